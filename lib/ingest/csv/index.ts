import type { Protocol } from '../protocol.ts';

/** VictoriaMetrics CSV import (`?format=` names the columns): docs/formats.md. */
export const csv = {
  name: 'csv',
  routes: { import: { paths: ['/api/v1/import/csv'], methods: ['POST'] } },
  load: () => import('./route.ts'),
} satisfies Protocol;
