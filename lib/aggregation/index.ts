export { AggregationEngine, passThrough, type PassThroughOptions } from './engine.ts';
export { parseAggregationConfigs, formatPhi, OUTPUT_KINDS, type AggregationDefaults, type AggregationRule, type OutputKind, type OutputSpec } from './config.ts';
export { parseGoDuration } from './duration.ts';
export { SnapshotError } from './binary.ts';
