import type { Protocol } from '../protocol.ts';

/** Prometheus text exposition and OpenMetrics, VictoriaMetrics' `/api/v1/import/prometheus`. */
export const prometheus = {
  name: 'prometheus',
  routes: { import: { paths: ['/api/v1/import/prometheus'], methods: ['POST'] } },
  load: () => import('./route.ts'),
} satisfies Protocol;
