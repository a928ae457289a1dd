import type { Protocol } from '../protocol.ts';

/** Both spellings: VictoriaMetrics trims a trailing `/` from /datadog/ paths for older Agents (`/datadog/intake/`). */
const withSlash = (path: string): string[] => [path, path + '/'];

/** The DataDog Agent's and API's submission routes, as vmagent serves them; options from the `datadog` section (datadog/options.ts). */
export const datadog = {
  name: 'datadog',
  routes: {
    seriesV1: { paths: withSlash('/datadog/api/v1/series'), methods: ['POST'] },
    seriesV2: { paths: withSlash('/datadog/api/v2/series'), methods: ['POST'] },
    validate: { paths: withSlash('/datadog/api/v1/validate'), methods: ['GET', 'POST'] },
    intake: { paths: withSlash('/datadog/intake'), methods: ['POST'] },
    checkRun: { paths: withSlash('/datadog/api/v1/check_run'), methods: ['POST'] },
    metadata: { paths: withSlash('/datadog/api/v1/metadata'), methods: ['POST'] },
  },
  optionsKey: 'datadog' as const,
  load: () => import('./route.ts'),
} satisfies Protocol;
