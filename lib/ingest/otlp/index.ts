import type { Protocol } from '../protocol.ts';

/** OTLP/HTTP metrics, JSON or protobuf; options from the `otlp` section of gateway.yaml (otlp/options.ts). */
export const otlp = {
  name: 'otlp',
  routes: { metrics: { paths: ['/opentelemetry/v1/metrics', '/opentelemetry/api/v1/push'], methods: ['POST'] } },
  optionsKey: 'otlp' as const,
  load: () => import('./route.ts'),
} satisfies Protocol;
