import { parseDuration } from '../../config/duration.ts';
import { bool, duration, int, mapping, opt } from '../../config/shape/kit.ts';
import type { ProtocolOptionsSection } from '../protocol.ts';
import { PUSH_AGGREGATION_DEFAULTS, type PushAggregationOptions, type PushgatewayOptions } from './options.ts';

/**
 * The `pushgateway:` section of gateway.yaml (valibot): the aggregation mode's switch and settings.
 *
 *   pushgateway:
 *     aggregation:
 *       enabled: true    # default true once `aggregation:` is given; false keeps the settings, mode off
 *       ttl: 15m         # a group not pushed for this long gets staleness markers and is forgotten
 *       interval: 30s    # every live group is emitted at most once per interval (at multiples of it)
 *       shards: 10       # durable shards (FIFO message groups), 1..1000
 *
 * The schema checks keys and types (each problem at its path); read() adds the ranges that need two
 * values or a parsed duration (interval at least 1s, ttl at least the interval).
 */
const MIN_INTERVAL_MS = 1000;

const aggregation = mapping(
  {
    enabled: opt(bool('Switches the mode on (default true when this mapping is given).')),
    ttl: opt(duration('A group not pushed for this long is emitted once more as staleness markers, then forgotten. At least `interval`. Default 15m.')),
    interval: opt(duration('Every live group is emitted at most once per interval, at multiples of it. At least 1s. Default 30s.')),
    shards: opt(int(1, 1000, 'Durable shards (FIFO message groups, one state object each); a group always lands in the same one. Default 10.')),
  },
  { description: 'Aggregation mode (docs/pushgateway.md): counters and histograms summed across pushes, gauges last value, TTL staleness.' },
);

export const pushgatewayOptionsSchema = mapping({ aggregation: opt(aggregation) }, { unknown: 'option', description: 'Pushgateway routes (docs/pushgateway.md).' });

export function readPushgatewaySection(raw: Record<string, unknown> | undefined, fail: (path: string, msg: string) => void): PushgatewayOptions {
  const a = raw?.aggregation;
  if (a === undefined || a === null || typeof a !== 'object' || Array.isArray(a)) return {};
  const o = a as Record<string, unknown>;
  if (o.enabled === false) return {};
  const d = PUSH_AGGREGATION_DEFAULTS;
  const ms = (v: unknown, fallback: number): number | undefined => (v === undefined || v === null ? fallback : typeof v === 'string' ? parseDuration(v) : undefined);
  const intervalMs = ms(o.interval, d.intervalMs);
  const ttlMs = ms(o.ttl, d.ttlMs);
  // Shape problems (not a duration, not a whole number) are the schema's to report.
  if (intervalMs === undefined || ttlMs === undefined || !(o.shards === undefined || o.shards === null || Number.isInteger(o.shards))) return {};
  if (intervalMs < MIN_INTERVAL_MS) fail('pushgateway.aggregation.interval', `must be at least 1s, got ${String(o.interval)}`);
  else if (ttlMs < intervalMs) fail('pushgateway.aggregation.ttl', `must be at least interval (${String(o.interval ?? '30s')}), got ${String(o.ttl ?? '15m')}: a group could expire before it was ever emitted`);
  const options: PushAggregationOptions = { ttlMs, intervalMs, shards: typeof o.shards === 'number' ? o.shards : d.shards };
  return { aggregation: options };
}

/** The `pushgateway:` section for the config schema (lib/ingest/protocol-options.ts). */
export const pushgatewaySection: ProtocolOptionsSection<PushgatewayOptions> = { schema: pushgatewayOptionsSchema, read: readPushgatewaySection };
