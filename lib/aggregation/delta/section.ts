import type { Logger, Metrics } from '../../ports/index.ts';
import type { DeltaToCumulativeOptions } from '../../ingest/otlp/options.ts';
import { SnapshotError } from '../binary.ts';
import type { ShardSection } from '../durable/machine.ts';
import { DeltaToCumulative, type DeltaResult } from './delta-to-cumulative.ts';

/** The durable shard section of OTLP delta to cumulative: state under state/aggregation/otlp_delta/<shard>. */
export const OTLP_DELTA_SECTION = 'otlp_delta';
/** Message attribute naming the kind of input (what refuse() checks), beside durable/route.ts' own. */
export const ATTR_KIND = 'agg_kind';
export const KIND_OTLP_DELTA = 'otlp_delta';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * OTLP delta temporality to cumulative as a durable shard kind (machine.ts): each shard holds the
 * DeltaToCumulative state of the streams hashed to it (ingest.ts routes by the whole label set, so one
 * stream is always in one shard), and each accepted delta point gives its cumulative point at apply, which
 * apply.ts commits with the state and sends. Flushes only forget streams not updated for maxStale: no
 * staleness markers, as Prometheus' otlp-deltatocumulative writes none (the Collector processor just drops
 * the stream). Points the conversion drops are counted in `otlp_delta_dropped_total{reason}` (older_start,
 * out_of_order, limit) and logged; a histogram that restarts its stream (incompatible bounds) in
 * `otlp_delta_resets_total`; forgotten streams in `otlp_delta_expired_streams_total`.
 * `metrics` absent (a tool reading state): drops are only logged.
 */
export function otlpDeltaSection(opts: DeltaToCumulativeOptions, metrics?: Metrics): ShardSection {
  return {
    refuse: (attributes) => (attributes[ATTR_KIND] === KIND_OTLP_DELTA ? undefined : 'not_otlp_delta'),
    open(saved, _at, _purpose, { logger, key }) {
      const conv = new DeltaToCumulative({ maxStaleMs: opts.maxStaleMs, maxStreams: opts.maxStreamsPerShard });
      if (saved !== undefined) {
        try {
          conv.restore(decoder.decode(saved));
        } catch (err) {
          throw new SnapshotError(`${key}: not an OTLP delta-to-cumulative state: ${(err as Error).message}`);
        }
      }
      const expire = (now: number): void => {
        const before = conv.streamCount;
        conv.expire(now);
        const gone = before - conv.streamCount;
        if (gone > 0) metrics?.inc('otlp_delta_expired_streams_total', {}, gone);
      };
      return {
        apply(input, at) {
          expire(at);
          const r = conv.push(input.request.timeseries, at);
          countDrops(r.dropped, metrics, logger, key);
          return r.series;
        },
        flush(now) {
          expire(now);
          return [];
        },
        snapshot: () => encoder.encode(conv.snapshot()),
      };
    },
  };
}

function countDrops(dropped: DeltaResult['dropped'], metrics: Metrics | undefined, logger: Logger, key: string): void {
  const { incompatible, ...lost } = dropped;
  let any = false;
  for (const [reason, n] of Object.entries(lost)) {
    if (!n) continue;
    any = true;
    metrics?.inc('otlp_delta_dropped_total', { reason }, n);
  }
  if (any) logger.warn('OTLP delta points dropped by the conversion to cumulative', { key, ...lost });
  if (incompatible) {
    // Kept: the point starts its stream again (a native histogram whose custom bounds changed).
    metrics?.inc('otlp_delta_resets_total', { reason: 'incompatible' }, incompatible);
    logger.warn('OTLP delta histogram incompatible with its stream: the stream starts again from it', { key, points: incompatible });
  }
}
