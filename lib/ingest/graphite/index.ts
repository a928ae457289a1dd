import type { Protocol } from '../protocol.ts';

/** Graphite plaintext lines over HTTP (this gateway's own path; carbon takes them over TCP). */
export const graphite = {
  name: 'graphite',
  routes: { plaintext: { paths: ['/graphite'], methods: ['POST'] } },
  load: () => import('./route.ts'),
} satisfies Protocol;
