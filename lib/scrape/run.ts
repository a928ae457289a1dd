import type { IngestLimits } from '../config/schema.ts';
import type { ScrapeJob } from '../config/scrape.ts';
import { GatewayError } from '../errors.ts';
import { finalizeSeries } from '../ingest/finalize.ts';
import { enqueueSeries } from '../queue/enqueue.ts';
import { labelsKey } from '../model/labels.ts';
import type { Histogram, Label, TimeSeries } from '../model/types.ts';
import type { BlobStore, Clock, HttpClient, Logger, MessageQueue, Metrics, SecretStore } from '../ports/index.ts';
import { discoverTargetGroups, type DiscoveryDeps } from './discovery/index.ts';
import { fetchTarget, ScrapeError } from './fetch.ts';
import { reportSeries, staleReportSeries } from './report.ts';
import { roundTimes } from './rounds.ts';
import { processScrapeBody } from './samples.ts';
import { labelsFromKey, loadShardStatus, saveShardStatus, type SeriesState, type SeriesStateStore, type ShardStatus, type TargetStatus } from './state.ts';
import { buildTargets, shardOf, type DroppedTarget, type Target } from './targets.ts';

export interface ScrapeDeps {
  jobs: readonly ScrapeJob[];
  discovery: DiscoveryDeps;
  /** The HTTP client for a job (its tls_config); the same client may serve many jobs. */
  httpFor: (job: ScrapeJob) => HttpClient;
  secrets?: SecretStore;
  seriesState: SeriesStateStore;
  queue: MessageQueue;
  blobs: BlobStore;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  maxSamplesPerMessage: number;
  /** global.external_labels, added where a scraped series lacks them (as Prometheus' remote_write does). */
  externalLabels: readonly Label[];
  /** The ingest label limits, checked on scraped series too (a breach fails that target's scrape). */
  limits: IngestLimits;
  /** Targets scraped at once (default 32). */
  concurrency?: number;
}

export interface ScrapeWindow {
  /** Rounds due in [from, to) run; from is usually the scheduled minute. */
  from: number;
  to: number;
  shard: number;
  shards: number;
  /** No round starts whose scrape could end after this (the invocation's time budget). */
  deadline?: number;
  /** Checked before each round: true ends the window early (the local runner stopping). */
  shouldStop?: () => boolean;
}

export interface WindowResult {
  targets: number;
  rounds: number;
  scrapes: number;
  failed: number;
  skippedRounds: number;
  staleMarkers: number;
}

const FLUSH_SAMPLES = 50_000;

/**
 * One shard's scraping for one window: discover every job's targets, keep this shard's, send staleness
 * markers for targets that are gone, then run each round at its time (sleeping on the clock in between),
 * scraping the due targets concurrently and queueing their series, report series and staleness markers.
 * Saves the series state and the status at the end. A job whose discovery fails keeps its state untouched
 * (no staleness storm for a discovery outage). Never throws for a target's failure; throws only when the
 * state cannot be loaded.
 */
export async function runScrapeWindow(deps: ScrapeDeps, w: ScrapeWindow): Promise<WindowResult> {
  const result: WindowResult = { targets: 0, rounds: 0, scrapes: 0, failed: 0, skippedRounds: 0, staleMarkers: 0 };
  const { targets, dropped, failedJobs } = await discover(deps, w);
  result.targets = targets.length;
  const state = await deps.seriesState.load(w.shard, w.shards);
  const previous = await loadShardStatus(deps.blobs, w.shard, w.shards).catch(() => undefined);
  const statusByKey = new Map<string, TargetStatus>();
  for (const s of previous?.active ?? []) statusByKey.set(s.key, s);
  const out = new Output(deps, result);
  // Saved after every round, so /targets is never more than a round behind.
  const saveStatus = async (): Promise<void> => {
    const status: ShardStatus = {
      shard: w.shard,
      shards: w.shards,
      updatedAt: deps.clock.now(),
      active: targets.map((t) => statusByKey.get(t.key) ?? initialStatus(t)),
      dropped: w.shard === 0 ? dropped.map((d) => ({ job: d.job, discoveredLabels: toRecord(d.discoveredLabels) })) : [],
    };
    await saveShardStatus(deps.blobs, status).catch((err) => deps.logger.warn('cannot save scrape status', { error: String(err) }));
  };

  // Targets that are gone (and whose job was discovered): staleness markers for all their series.
  const live = new Set(targets.map((t) => t.key));
  for (const [key, ts] of Object.entries(state.targets)) {
    if (live.has(key) || failedJobs.has(ts.job)) continue;
    const hist = new Set(ts.histograms ?? []);
    const markers = [...ts.series.map((k) => staleSeries(k, w.from, hist.has(k))), ...staleReportSeries(ts.labels, w.from)];
    await out.add(markers, markers.length);
    delete state.targets[key];
  }

  const byTime = new Map<number, Target[]>();
  for (const t of targets) {
    for (const time of roundTimes(t.intervalMs, w.from, w.to)) {
      const list = byTime.get(time);
      if (list) list.push(t);
      else byTime.set(time, [t]);
    }
  }
  for (const time of [...byTime.keys()].sort((a, b) => a - b)) {
    if (w.shouldStop?.()) break;
    // A round so late that the target's next round is already due is skipped: scraping twice at once is useless.
    const now = deps.clock.now();
    const due = byTime.get(time)!.filter((t) => now < time + t.intervalMs);
    if (due.length < byTime.get(time)!.length) {
      result.skippedRounds++;
      deps.metrics.inc('scrape_rounds_skipped_total', { reason: 'late' }, byTime.get(time)!.length - due.length);
    }
    if (!due.length) continue;
    const maxTimeout = Math.max(...due.map((t) => t.timeoutMs));
    if (w.deadline !== undefined && Math.max(time, deps.clock.now()) + maxTimeout > w.deadline) {
      result.skippedRounds++;
      deps.metrics.inc('scrape_rounds_skipped_total', { reason: 'deadline' });
      continue;
    }
    const wait = time - deps.clock.now();
    if (wait > 0) await deps.clock.sleep(wait);
    if (w.shouldStop?.()) break;
    result.rounds++;
    await pool(due, deps.concurrency ?? 32, async (t) => {
      const r = await scrapeTarget(deps, t, state);
      result.scrapes++;
      if (!r.status.lastError) deps.metrics.inc('scrape_scrapes_total', { job: t.job.jobName, result: 'up' });
      else {
        result.failed++;
        deps.metrics.inc('scrape_scrapes_total', { job: t.job.jobName, result: 'down' });
      }
      statusByKey.set(t.key, r.status);
      await out.add(r.series, r.staleMarkers);
    });
    await out.flush();
    await saveStatus();
  }
  await out.flush();

  await deps.seriesState.save(w.shard, w.shards, state);
  await saveStatus();
  return result;
}

async function discover(deps: ScrapeDeps, w: ScrapeWindow): Promise<{ targets: Target[]; dropped: DroppedTarget[]; failedJobs: Set<string> }> {
  const targets: Target[] = [];
  const dropped: DroppedTarget[] = [];
  const failedJobs = new Set<string>();
  for (const job of deps.jobs) {
    try {
      const groups = await discoverTargetGroups(job.jobName, job.raw, deps.discovery);
      const built = buildTargets(job, groups);
      for (const t of built.active) if (shardOf(t.key, w.shards) === w.shard) targets.push(t);
      dropped.push(...built.dropped);
    } catch (err) {
      failedJobs.add(job.jobName);
      deps.metrics.inc('scrape_discovery_failures_total', { job: job.jobName });
      deps.logger.error('scrape discovery failed; the job is skipped this time', { job: job.jobName, error: (err as Error).message });
    }
  }
  return { targets, dropped, failedJobs };
}

/** One scrape of one target: its series (finalized), report series and staleness markers; updates state. */
async function scrapeTarget(deps: ScrapeDeps, t: Target, state: SeriesState): Promise<{ series: TimeSeries[]; staleMarkers: number; status: TargetStatus }> {
  const start = deps.clock.now();
  const prev = state.targets[t.key]?.series ?? [];
  const prevHistograms = new Set(state.targets[t.key]?.histograms ?? []);
  let series: TimeSeries[] = [];
  let error = '';
  let scraped = 0;
  let postRelabel = 0;
  try {
    const fetched = await fetchTarget(t, deps.httpFor(t.job), deps.secrets);
    const body = processScrapeBody(fetched.body, fetched.contentType, t, start);
    scraped = body.scraped;
    postRelabel = body.postRelabel;
    series = finalize(deps, body.series);
  } catch (err) {
    if (!(err instanceof ScrapeError) && !(err instanceof GatewayError)) throw err;
    error = err.message;
    if (err instanceof ScrapeError) scraped = err.scraped;
    series = [];
  }
  const current = new Set<string>();
  let seriesAdded = 0;
  const prevSet = new Set(prev);
  const tracked: string[] = [];
  const trackedHistograms: string[] = [];
  for (const s of series) {
    const key = labelsKey(s.labels);
    current.add(key);
    if (!prevSet.has(key)) seriesAdded++;
    // Series with their own timestamps get no staleness markers, as in Prometheus.
    const h = s.histograms?.[0];
    if ((h ?? s.samples[0])?.timestamp === start) {
      tracked.push(key);
      if (h) trackedHistograms.push(key);
    }
  }
  const markers: TimeSeries[] = [];
  for (const key of prev) if (!current.has(key)) markers.push(staleSeries(key, start, prevHistograms.has(key)));
  const durationSeconds = (deps.clock.now() - start) / 1000;
  const report = finalize(deps, reportSeries(t.labels, start, { up: error === '', durationSeconds, scraped, postRelabel, seriesAdded: error ? 0 : seriesAdded }));
  state.targets[t.key] = { job: t.job.jobName, labels: t.labels, series: tracked };
  if (trackedHistograms.length) state.targets[t.key]!.histograms = trackedHistograms;
  if (error) deps.logger.warn('scrape failed', { job: t.job.jobName, url: t.url, error });
  return {
    series: [...series, ...markers, ...report],
    staleMarkers: markers.length,
    status: {
      key: t.key,
      job: t.job.jobName,
      url: t.url,
      discoveredLabels: toRecord(t.discoveredLabels),
      labels: toRecord(t.labels),
      health: error ? 'down' : 'up',
      lastError: error,
      lastScrape: start,
      lastScrapeDurationSeconds: durationSeconds,
      intervalMs: t.intervalMs,
      timeoutMs: t.timeoutMs,
    },
  };
}

function finalize(deps: ScrapeDeps, series: TimeSeries[]): TimeSeries[] {
  return finalizeSeries(series, { extraLabels: [], relabel: { rules: [] }, externalLabels: deps.externalLabels, limits: deps.limits, protocol: 'scrape' }).series;
}

/** A staleness marker: a StaleNaN sample, or for a native histogram series a histogram with the StaleNaN sum (as Prometheus' TSDB writes it). */
function staleSeries(key: string, timestamp: number, histogram = false): TimeSeries {
  if (histogram) return { labels: labelsFromKey(key), samples: [], histograms: [staleHistogram(timestamp)] };
  return { labels: labelsFromKey(key), samples: [{ value: NaN, timestamp, stale: true }] };
}

function staleHistogram(timestamp: number): Histogram {
  return { timestamp, float: false, count: 0, sum: NaN, schema: 0, zeroThreshold: 0, zeroCount: 0, negativeSpans: [], negativeBuckets: [], positiveSpans: [], positiveBuckets: [], resetHint: 0, customValues: [], stale: true };
}

/** Buffers series across targets and queues them in large batches (bounded memory). */
class Output {
  private pending: TimeSeries[] = [];
  private samples = 0;
  private readonly deps: ScrapeDeps;
  private readonly result: WindowResult;
  constructor(deps: ScrapeDeps, result: WindowResult) {
    this.deps = deps;
    this.result = result;
  }
  async add(series: TimeSeries[], staleMarkers: number): Promise<void> {
    for (const s of series) this.pending.push(s);
    this.samples += series.length;
    this.result.staleMarkers += staleMarkers;
    if (staleMarkers) this.deps.metrics.inc('scrape_stale_markers_total', {}, staleMarkers);
    if (this.samples >= FLUSH_SAMPLES) await this.flush();
  }
  async flush(): Promise<void> {
    if (!this.pending.length) return;
    const batch = this.pending;
    this.pending = [];
    this.samples = 0;
    try {
      await enqueueSeries(this.deps, batch, 'default', 'scrape');
      this.deps.metrics.inc('scrape_samples_total', {}, batch.length);
    } catch (err) {
      // The next round scrapes again; what this round had is lost and counted.
      this.deps.metrics.inc('scrape_enqueue_failures_total', {}, batch.length);
      this.deps.logger.error('cannot queue scraped samples', { samples: batch.length, error: String(err) });
    }
  }
}

async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  });
  await Promise.all(workers);
}

function initialStatus(t: Target): TargetStatus {
  return { key: t.key, job: t.job.jobName, url: t.url, discoveredLabels: toRecord(t.discoveredLabels), labels: toRecord(t.labels), health: 'unknown', lastError: '', lastScrape: 0, lastScrapeDurationSeconds: 0, intervalMs: t.intervalMs, timeoutMs: t.timeoutMs };
}

function toRecord(labels: readonly Label[]): Record<string, string> {
  const o: Record<string, string> = {};
  for (const l of labels) o[l.name] = l.value;
  return o;
}
