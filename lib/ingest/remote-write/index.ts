import type { Protocol } from '../protocol.ts';

/** Prometheus remote_write 1.0 and 2.0; a request without Content-Encoding is read as snappy (VictoriaMetrics does so). */
export const remoteWrite = {
  name: 'remote_write',
  routes: { write: { paths: ['/api/v1/write', '/api/v1/push', '/prometheus/api/v1/write'], methods: ['POST'], defaultEncoding: 'snappy' } },
  load: () => import('./route.ts'),
} satisfies Protocol;
