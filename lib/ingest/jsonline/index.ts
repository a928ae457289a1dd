import type { Protocol } from '../protocol.ts';

/** VictoriaMetrics JSON lines (`/api/v1/export` format). */
export const jsonline = {
  name: 'jsonline',
  routes: { import: { paths: ['/api/v1/import'], methods: ['POST'] } },
  load: () => import('./route.ts'),
} satisfies Protocol;
