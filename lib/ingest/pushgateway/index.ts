import type { Protocol } from '../protocol.ts';
import { prometheus } from '../prometheus/index.ts';

/** The grouping-key routes also live under VictoriaMetrics' text import path (vmagent serves both): that route's path. */
const IMPORT_PREFIX = prometheus.routes.import.paths[0];

/** Pushgateway-compatible push and delete (docs/pushgateway.md); the grouping key is the path tail. */
export const pushgateway = {
  name: 'pushgateway',
  routes: {
    push: { paths: ['/metrics/job/*', '/metrics/job@base64/*', `${IMPORT_PREFIX}/metrics/job/*`, `${IMPORT_PREFIX}/metrics/job@base64/*`], methods: ['PUT', 'POST', 'DELETE'] },
  },
  /** `pushgateway:` in gateway.yaml: the aggregation mode (options.ts, config-schema.ts). */
  optionsKey: 'pushgateway' as const,
  load: () => import('./route.ts'),
} satisfies Protocol;
