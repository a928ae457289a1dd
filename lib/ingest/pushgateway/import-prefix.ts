import { prometheus } from '../prometheus/index.ts';

/**
 * `/api/v1/import/prometheus`: the grouping-key routes also live under VictoriaMetrics' text import path
 * (vmagent serves both), so the prefix is that route's path, spelled once in prometheus/index.ts.
 */
export const IMPORT_PREFIX: string = prometheus.routes.import.paths[0]!;
