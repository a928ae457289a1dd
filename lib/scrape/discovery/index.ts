import { Checker } from '../../config/check.ts';
import { ConfigError } from '../../errors.ts';
import type { BlobStore, Clock, HttpClient, Logger, Metrics, SecretStore } from '../../ports/index.ts';
import { DiscoveryCache } from './cache.ts';
import { BLOB_PREFIX, readSdConfigs, type SdConfig } from './config.ts';
import { fetchAzIds, fetchEc2Sd, type Ec2ApiFactory } from './ec2.ts';
import { readFileSd } from './file.ts';
import { fetchHttpSd } from './http.ts';
import { staticTargetGroup } from './static.ts';
import type { TargetGroup } from './target-group.ts';

export type { TargetGroup } from './target-group.ts';
export type { Ec2Api, Ec2ApiFactory, Ec2Instance, Ec2Reservation } from './ec2.ts';
export { SD_CONFIG_KEYS } from './config.ts';
export { DiscoveryCache } from './cache.ts';

export interface DiscoveryDeps {
  http: HttpClient;
  blobs: BlobStore;
  /** Reads a local file (bundled, or on disk); rejects with code ENOENT when it does not exist. */
  readFile: (path: string) => Promise<string>;
  clock: Clock;
  /** EC2 clients for ec2_sd_configs (lib/adapters/aws/ec2-api.ts); without it those configs fail. */
  ec2?: Ec2ApiFactory;
  /** Resolves http_sd_configs auth references (`*_ref`, `*_file`). */
  secrets?: SecretStore;
  /** Lists a local directory; needed only for local file_sd patterns with wildcards. */
  readDir?: (dir: string) => Promise<string[]>;
  /** Relative local file_sd paths are taken from here (the config file's directory, as in Prometheus). */
  baseDir?: string;
  /** Keeps results between calls (refresh_interval, last good result on failure); give one per process. */
  cache?: DiscoveryCache;
  logger?: Logger;
  /** Counts `sd_refresh_failures_total{job, mechanism}` and `sd_refreshes_total{job, mechanism}`. */
  metrics?: Metrics;
}

/** One source that could not be refreshed. */
export interface DiscoveryFailure {
  /** `file_sd_configs[0]`, `http_sd_configs[1]`, ... */
  config: string;
  message: string;
  /** True when the last good result (from the cache) was used in its place. */
  usedLastGood: boolean;
}

export interface DiscoveryResult {
  groups: TargetGroup[];
  failures: DiscoveryFailure[];
}

/**
 * A job whose target list would be incomplete: some source failed and no last good result stood in for it
 * (a cold start, or no cache). The caller should leave the job's targets as they were (Prometheus keeps a
 * discoverer's targets when a refresh fails) rather than take the missing targets as gone.
 */
export class DiscoveryError extends Error {
  readonly failures: DiscoveryFailure[];
  constructor(job: string, failures: DiscoveryFailure[]) {
    super(`discovery for job ${JSON.stringify(job)} is incomplete: ${failures.map((f) => f.message).join('; ')}`);
    this.name = 'DiscoveryError';
    this.failures = failures;
  }
}

/**
 * The target groups of one scrape job from all of its discovery configs, in config order (static, file, HTTP,
 * EC2). Throws ConfigError when the job's discovery configs are invalid, and DiscoveryError when a source
 * failed with no last good result to stand in (so the caller never mistakes an outage for targets that went
 * away). A source that fails while the cache holds its last good groups uses those; the failure is logged and
 * counted. Use discoverJob for the partial result instead.
 */
export async function discoverTargetGroups(jobName: string, rawJob: Record<string, unknown>, deps: DiscoveryDeps): Promise<TargetGroup[]> {
  const r = await discoverJob(jobName, rawJob, deps);
  const missing = r.failures.filter((f) => !f.usedLastGood);
  if (missing.length) throw new DiscoveryError(jobName, missing);
  return r.groups;
}

/**
 * Like discoverTargetGroups, but a failed source never throws: the result is what could be discovered (with
 * last good groups where the cache had them) plus the failures. The groups belong to the caller.
 */
export async function discoverJob(jobName: string, rawJob: Record<string, unknown>, deps: DiscoveryDeps): Promise<DiscoveryResult> {
  const c = new Checker();
  const configs = readSdConfigs(c, rawJob, `job ${JSON.stringify(jobName)}`);
  if (c.problems.length) throw new ConfigError(c.problems);
  const results = await Promise.all(configs.map((cfg) => discoverOne(jobName, cfg, deps)));
  const out: DiscoveryResult = { groups: [], failures: [] };
  for (const r of results) {
    out.groups.push(...r.groups);
    out.failures.push(...r.failures);
  }
  // Copies: the cache keeps its own, so a caller may change what it gets.
  out.groups = structuredClone(out.groups);
  for (const f of out.failures) {
    deps.logger?.warn('discovery refresh failed', { job: jobName, config: f.config, error: f.message, usedLastGood: f.usedLastGood });
  }
  return out;
}

function mechanism(cfg: SdConfig): string {
  return cfg.kind === 'static' ? 'static_configs' : `${cfg.kind}_sd_configs`;
}

async function discoverOne(job: string, cfg: SdConfig, deps: DiscoveryDeps): Promise<DiscoveryResult> {
  if (cfg.kind === 'static') return { groups: [staticTargetGroup(cfg)], failures: [] };
  const name = `${mechanism(cfg)}[${cfg.index}]`;
  const key = `${job}\u0000${JSON.stringify(cfg)}`;
  const now = deps.clock.now();
  const cached = deps.cache?.get(key);
  // Local files are re-read every call (cheap; stands in for Prometheus' file watch); others wait for refresh_interval.
  const localFilesOnly = cfg.kind === 'file' && cfg.files.every((f) => !f.startsWith(BLOB_PREFIX));
  if (cached && !localFilesOnly && now - cached.fetchedAt < cfg.refreshIntervalMs) return { groups: cached.groups, failures: [] };
  const labels = { job, mechanism: mechanism(cfg) };
  deps.metrics?.inc('sd_refreshes_total', labels);
  const fail = (message: string, usedLastGood: boolean): DiscoveryFailure => {
    deps.metrics?.inc('sd_refresh_failures_total', labels);
    return { config: name, message, usedLastGood };
  };
  try {
    if (cfg.kind === 'file') return await refreshFiles(name, key, cfg, deps, now, fail);
    let groups: TargetGroup[];
    if (cfg.kind === 'http') groups = await fetchHttpSd(cfg, deps);
    else groups = [await refreshEc2(job, name, cfg, deps)];
    deps.cache?.set(key, groups, now);
    return { groups, failures: [] };
  } catch (err) {
    const message = `${name}: ${(err as Error).message}`;
    if (cached) return { groups: cached.groups, failures: [fail(message, true)] };
    return { groups: [], failures: [fail(message, false)] };
  }
}

async function refreshEc2(job: string, name: string, cfg: Extract<SdConfig, { kind: 'ec2' }>, deps: DiscoveryDeps): Promise<TargetGroup> {
  if (!deps.ec2) throw new Error('EC2 discovery is not available in this runtime');
  const api = deps.ec2({ region: cfg.region, endpoint: cfg.endpoint, roleArn: cfg.roleArn });
  // Compatibility: like Prometheus, the zone-ID map is built once; failing to build it only leaves out zone IDs.
  const azKey = `az\u0000${cfg.region ?? ''}\u0000${cfg.endpoint ?? ''}\u0000${cfg.roleArn ?? ''}`;
  let azIds = deps.cache?.getValue<Map<string, string>>(azKey);
  if (!azIds) {
    try {
      azIds = await fetchAzIds(api);
      deps.cache?.setValue(azKey, azIds);
    } catch (err) {
      deps.logger?.debug('unable to describe availability zones', { job, config: name, error: (err as Error).message });
    }
  }
  try {
    return await fetchEc2Sd(cfg, api, azIds);
  } catch (err) {
    throw new Error(`could not describe instances: ${(err as Error).message}`);
  }
}

async function refreshFiles(
  name: string,
  key: string,
  cfg: Extract<SdConfig, { kind: 'file' }>,
  deps: DiscoveryDeps,
  now: number,
  fail: (message: string, usedLastGood: boolean) => DiscoveryFailure,
): Promise<DiscoveryResult> {
  const r = await readFileSd(cfg, deps);
  const filesKey = `${key}\u0000files`;
  const last = deps.cache?.getValue<Map<string, TargetGroup[]>>(filesKey) ?? new Map<string, TargetGroup[]>();
  const perFile = new Map(r.files);
  const failures: DiscoveryFailure[] = [];
  // Compatibility: a file that cannot be read or parsed keeps its previous groups (Prometheus keeps them too).
  for (const [file, message] of r.failed) {
    const groups = last.get(file);
    if (groups) perFile.set(file, groups);
    failures.push(fail(`${name}: ${message}`, groups !== undefined));
  }
  // A pattern that could not be listed (the blob store is down) keeps the files it had: unlike a missing
  // directory on disk, an outage says nothing about the files.
  if (r.errors.length) {
    let kept = false;
    for (const [file, groups] of last) {
      if (perFile.has(file) || r.failed.has(file)) continue;
      perFile.set(file, groups);
      kept = true;
    }
    for (const e of r.errors) failures.push(fail(e, kept));
  }
  deps.cache?.setValue(filesKey, perFile);
  const groups = [...perFile.values()].flat();
  // A refresh with failures is tried again on the next call rather than after refresh_interval.
  deps.cache?.set(key, groups, failures.length ? Number.NEGATIVE_INFINITY : now);
  return { groups, failures };
}
