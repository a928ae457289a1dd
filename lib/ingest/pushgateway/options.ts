/**
 * The `pushgateway:` section of gateway.yaml as the route and the aggregation wiring take it (read by
 * config-schema.ts; this file stays free of the schema library, for the ingest function's cold start).
 */
export interface PushgatewayOptions {
  /** The aggregation mode (docs/pushgateway.md, "Aggregation mode"); absent: pushes are forwarded as they are. */
  aggregation?: PushAggregationOptions;
}

export interface PushAggregationOptions {
  /** A group not pushed for this long is emitted one last time as staleness markers, then forgotten. */
  ttlMs: number;
  /** Each live group is emitted at most once per interval, at multiples of it. */
  intervalMs: number;
  /** Durable shards (FIFO message groups, one state object each), 1..1000. */
  shards: number;
}

/** Defaults of `pushgateway.aggregation` (documented in docs/pushgateway.md). */
export const PUSH_AGGREGATION_DEFAULTS: PushAggregationOptions = { ttlMs: 15 * 60_000, intervalMs: 30_000, shards: 10 };

/** The durable shard section of the mode: its state folder (state/aggregation/pushgateway/) and FIFO groups (agg.pushgateway.<n>). */
export const PUSH_AGGREGATION_SECTION = 'pushgateway';
