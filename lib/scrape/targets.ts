import { createHash } from 'node:crypto';
import { formatDuration } from '../config/duration.ts';
import type { ScrapeJob } from '../config/scrape.ts';
import { parseDuration } from '../config/duration.ts';
import { labelsKey, sortLabels } from '../model/labels.ts';
import type { Label } from '../model/types.ts';
import { applyRelabel } from '../relabel/apply.ts';
import type { TargetGroup } from './discovery/index.ts';

/** A target to scrape, built from a discovered target the way Prometheus 2.42's populateLabels does. */
export interface Target {
  job: ScrapeJob;
  /** Stable identity: job, URL and labels (names the target's state and picks its shard). */
  key: string;
  url: string;
  /** Labels before relabel_configs (`discoveredLabels` in /api/v1/targets). */
  discoveredLabels: Label[];
  /** Labels every scraped series gets (no `__` names), sorted; includes job and instance. */
  labels: Label[];
  intervalMs: number;
  timeoutMs: number;
}

export interface DroppedTarget {
  job: string;
  discoveredLabels: Label[];
  /** Why: dropped by relabel_configs, or an invalid address. */
  reason: string;
}

/**
 * Turns a job's target groups into targets: group labels under target labels, then `job`,
 * `__scrape_interval__`, `__scrape_timeout__`, `__metrics_path__`, `__scheme__` where unset and
 * `__param_<name>` from params, then relabel_configs; a target without `__address__` or whose address holds
 * a `/` is dropped with a reason. The port defaults to 80/443 by scheme (Prometheus 2.x), `__meta_*` labels
 * go, `instance` defaults to the address. Duplicate targets (same URL and labels) are scraped once.
 */
export function buildTargets(job: ScrapeJob, groups: readonly TargetGroup[]): { active: Target[]; dropped: DroppedTarget[] } {
  const active: Target[] = [];
  const dropped: DroppedTarget[] = [];
  const seen = new Set<string>();
  for (const g of groups) {
    for (const t of g.targets) {
      const m = new Map<string, string>(Object.entries(g.labels));
      for (const [k, v] of Object.entries(t)) m.set(k, v);
      const defaults: [string, string][] = [
        ['job', job.jobName],
        ['__scrape_interval__', formatDuration(job.scrapeIntervalMs)],
        ['__scrape_timeout__', formatDuration(job.scrapeTimeoutMs)],
        ['__metrics_path__', job.metricsPath],
        ['__scheme__', job.scheme],
      ];
      for (const [k, v] of defaults) if (!m.get(k)) m.set(k, v);
      for (const [k, v] of Object.entries(job.params)) if (v.length > 0) m.set(`__param_${k}`, v[0]!);
      const discoveredLabels = toLabels(m);
      const relabeled = job.relabel.rules.length ? applyRelabel(job.relabel, discoveredLabels) : discoveredLabels;
      if (relabeled === undefined) {
        dropped.push({ job: job.jobName, discoveredLabels, reason: 'dropped by relabel_configs' });
        continue;
      }
      const lm = new Map(relabeled.map((l) => [l.name, l.value]));
      const built = finish(job, lm);
      if (typeof built === 'string') {
        dropped.push({ job: job.jobName, discoveredLabels, reason: built });
        continue;
      }
      if (seen.has(built.key)) continue;
      seen.add(built.key);
      active.push({ ...built, discoveredLabels });
    }
  }
  return { active, dropped };
}

function finish(job: ScrapeJob, lm: Map<string, string>): Omit<Target, 'discoveredLabels'> | string {
  let addr = lm.get('__address__') ?? '';
  if (addr === '') return 'no __address__ label';
  const scheme = lm.get('__scheme__') || job.scheme;
  if (scheme !== 'http' && scheme !== 'https') return `invalid scheme ${JSON.stringify(scheme)}`;
  if (addr.includes('/')) return `"${addr}" is not a valid hostname`;
  if (!hasPort(addr)) addr = `${addr}:${scheme === 'https' ? 443 : 80}`;
  lm.set('__address__', addr);
  if (!lm.get('instance')) lm.set('instance', addr);
  const intervalMs = parseDuration(lm.get('__scrape_interval__') ?? '') ?? job.scrapeIntervalMs;
  const timeoutMs = parseDuration(lm.get('__scrape_timeout__') ?? '') ?? job.scrapeTimeoutMs;
  if (intervalMs <= 0) return `invalid __scrape_interval__ ${JSON.stringify(lm.get('__scrape_interval__'))}`;
  if (timeoutMs <= 0 || timeoutMs > intervalMs) return `__scrape_timeout__ ${JSON.stringify(lm.get('__scrape_timeout__'))} must be positive and at most __scrape_interval__`;
  const query = new URLSearchParams();
  const names = new Set([...Object.keys(job.params), ...[...lm.keys()].filter((k) => k.startsWith('__param_')).map((k) => k.slice(8))]);
  for (const name of [...names].sort()) {
    const values = [...(job.params[name] ?? [])];
    const override = lm.get(`__param_${name}`);
    if (override !== undefined) values[0] = override;
    for (const v of values) query.append(name, v);
  }
  let path = lm.get('__metrics_path__') ?? job.metricsPath;
  if (!path.startsWith('/')) path = '/' + path;
  const qs = query.toString();
  const url = `${scheme}://${addr}${path}${qs ? '?' + qs : ''}`;
  const labels: Label[] = [];
  for (const [name, value] of lm) if (!name.startsWith('__') && value !== '') labels.push({ name, value });
  sortLabels(labels);
  const key = createHash('sha256').update(`${job.jobName}\u0000${url}\u0000${labelsKey(labels)}`).digest('hex').slice(0, 32);
  return { job, key, url, labels, intervalMs, timeoutMs };
}

function hasPort(addr: string): boolean {
  if (addr.startsWith('[')) return /\]:\d+$/.test(addr);
  return /:\d+$/.test(addr);
}

function toLabels(m: Map<string, string>): Label[] {
  const out: Label[] = [];
  for (const [name, value] of m) if (value !== '') out.push({ name, value });
  return sortLabels(out);
}

/** The shard (0..count-1) a target belongs to: a hash of its key, so every invocation agrees. */
export function shardOf(key: string, count: number): number {
  if (count <= 1) return 0;
  return Number.parseInt(key.slice(0, 8), 16) % count;
}
