import type { Protocol } from '../protocol.ts';

/** InfluxDB line protocol, v1 and v2 write APIs, and the probes clients send before writing. */
export const influx = {
  name: 'influx',
  routes: {
    writeV1: { paths: ['/write', '/influx/write'], methods: ['POST'] },
    writeV2: { paths: ['/api/v2/write', '/influx/api/v2/write'], methods: ['POST'] },
    ping: { paths: ['/ping', '/influx/ping'], methods: ['GET', 'HEAD'] },
    health: { paths: ['/health', '/influx/health'], methods: ['GET'] },
    query: { paths: ['/query', '/influx/query'], methods: ['GET', 'POST'] },
  },
  load: () => import('./route.ts'),
} satisfies Protocol;
