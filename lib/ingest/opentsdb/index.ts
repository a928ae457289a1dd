import type { Protocol } from '../protocol.ts';

/** OpenTSDB HTTP `/api/put`. */
export const opentsdb = {
  name: 'opentsdb',
  routes: { put: { paths: ['/api/put'], methods: ['POST'] } },
  load: () => import('./route.ts'),
} satisfies Protocol;
