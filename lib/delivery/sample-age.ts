import type { RemoteWriteConfig } from '../config/schema.ts';
import type { TimeSeries } from '../model/types.ts';
import type { Clock, Logger, Metrics } from '../ports/index.ts';
import { withSamplesOf } from '../model/types.ts';

/**
 * remote_write[].queue_config.sample_age_limit (Prometheus' field): samples, histograms and exemplars older
 * than the limit when a batch is built for sending are dropped, as Prometheus drops them instead of sending
 * data a receiver would refuse as out of bounds. The caller counts and logs what was dropped.
 */
export interface AgeDrops {
  samples: number;
  histograms: number;
  exemplars: number;
}

export function noAgeDrops(): AgeDrops {
  return { samples: 0, histograms: 0, exemplars: 0 };
}

/**
 * The series without what is older than `now - limitMs` (a timestamp exactly at the limit is kept); series
 * left empty are omitted. Returns the input array when nothing is old; never mutates input.
 */
export function dropOldSamples(series: readonly TimeSeries[], limitMs: number, now: number, drops: AgeDrops): TimeSeries[] {
  const oldest = now - limitMs;
  const isOld = (t: number): boolean => t < oldest;
  if (!series.some((s) => s.samples.some((x) => isOld(x.timestamp)) || s.histograms?.some((h) => isOld(h.timestamp)) || s.exemplars?.some((e) => e.timestamp !== 0 && isOld(e.timestamp)))) {
    return series as TimeSeries[];
  }
  const out: TimeSeries[] = [];
  for (const s of series) {
    const samples = s.samples.filter((x) => !isOld(x.timestamp));
    drops.samples += s.samples.length - samples.length;
    const kept = withSamplesOf(s, s.labels, samples);
    if (s.histograms?.length) {
      const histograms = s.histograms.filter((h) => !isOld(h.timestamp));
      drops.histograms += s.histograms.length - histograms.length;
      if (histograms.length) kept.histograms = histograms;
    }
    if (s.exemplars?.length) {
      // An exemplar without a timestamp (0) goes with its series.
      const exemplars = s.exemplars.filter((e) => e.timestamp === 0 || !isOld(e.timestamp));
      drops.exemplars += s.exemplars.length - exemplars.length;
      if (exemplars.length && (kept.samples.length || kept.histograms?.length)) kept.exemplars = exemplars;
      else drops.exemplars += exemplars.length;
    }
    if (kept.samples.length || kept.histograms?.length) out.push(kept);
  }
  return out;
}

export const SAMPLE_AGE_LOG = 'data older than sample_age_limit dropped when sending; counted';

/**
 * Applies the destination's sample_age_limit (none: the series as given) at `clock.now()`, counting what
 * it drops as delivery_dropped_total{destination, kind, reason="sample_age_limit"} and logging it once
 * per batch.
 */
export function limitSampleAge(series: readonly TimeSeries[], config: Pick<RemoteWriteConfig, 'name' | 'sampleAgeLimitMs'>, deps: { clock: Clock; metrics: Metrics; logger: Logger }): TimeSeries[] {
  const limit = config.sampleAgeLimitMs;
  if (!limit) return series as TimeSeries[];
  const drops = noAgeDrops();
  const out = dropOldSamples(series, limit, deps.clock.now(), drops);
  const kinds = [['sample', drops.samples], ['histogram', drops.histograms], ['exemplar', drops.exemplars]] as const;
  for (const [kind, n] of kinds) if (n) deps.metrics.inc('delivery_dropped_total', { destination: config.name, kind, reason: 'sample_age_limit' }, n);
  if (drops.samples || drops.histograms || drops.exemplars) deps.logger.warn(SAMPLE_AGE_LOG, { destination: config.name, sample_age_limit_ms: limit, ...drops });
  return out;
}

/** A destination whose batches must be decoded to apply sample_age_limit or metadata_config.send: false. */
export function filtersAtSend(config: Pick<RemoteWriteConfig, 'sampleAgeLimitMs' | 'sendMetadata'>): boolean {
  return !!config.sampleAgeLimitMs || config.sendMetadata === false;
}
