/**
 * PLACEHOLDER (scrape branch): only static_configs. The discovery helper owns this folder and its version
 * (static, file, http and ec2 service discovery) replaces this file at merge; the exports below are the
 * contract both sides code against.
 */
import type { BlobStore, Clock, HttpClient } from '../../ports/index.ts';

/** One discovered group: each target has `__address__` and its own `__meta_*` labels; `labels` are shared. */
export interface TargetGroup {
  source: string;
  targets: Record<string, string>[];
  labels: Record<string, string>;
}

export interface DiscoveryDeps {
  http: HttpClient;
  blobs: BlobStore;
  readFile: (path: string) => Promise<string>;
  clock: Clock;
  ec2?: unknown;
}

export const SD_CONFIG_KEYS: readonly string[] = ['static_configs', 'file_sd_configs', 'http_sd_configs', 'ec2_sd_configs'];

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Problems of a job's service discovery sections, each `<path>.<key>...: <reason>`. */
export function validateSdConfigs(rawJob: Record<string, unknown>, path: string): string[] {
  const problems: string[] = [];
  for (const key of SD_CONFIG_KEYS) {
    if (key === 'static_configs' || rawJob[key] === undefined || rawJob[key] === null) continue;
    problems.push(`${path}.${key}: not supported by this build (placeholder discovery)`);
  }
  const raw = rawJob.static_configs;
  if (raw === undefined || raw === null) return problems;
  if (!Array.isArray(raw)) return [...problems, `${path}.static_configs: must be a list`];
  raw.forEach((g, i) => {
    const at = `${path}.static_configs[${i}]`;
    if (!isMapping(g)) return void problems.push(`${at}: must be a mapping`);
    for (const k of Object.keys(g)) if (k !== 'targets' && k !== 'labels') problems.push(`${at}.${k}: unknown field (allowed: targets, labels)`);
    const targets = g.targets ?? [];
    if (!Array.isArray(targets)) problems.push(`${at}.targets: must be a list of host:port strings`);
    else targets.forEach((t, j) => {
      if (typeof t !== 'string' || t === '') problems.push(`${at}.targets[${j}]: must be a non-empty host:port string`);
    });
    const labels = g.labels ?? {};
    if (!isMapping(labels)) problems.push(`${at}.labels: must be a mapping of label names to strings`);
    else for (const [k, v] of Object.entries(labels)) {
      if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(k)) problems.push(`${at}.labels.${k}: invalid label name`);
      if (typeof v !== 'string') problems.push(`${at}.labels.${k}: must be a string`);
    }
  });
  return problems;
}

/** The job's target groups, in config order. Expects a job that passed validateSdConfigs. */
export async function discoverTargetGroups(jobName: string, rawJob: Record<string, unknown>, deps: DiscoveryDeps): Promise<TargetGroup[]> {
  void jobName;
  void deps;
  const raw = rawJob.static_configs;
  if (!Array.isArray(raw)) return [];
  return raw.map((g: Record<string, unknown>, i) => ({
    source: String(i),
    targets: ((g.targets as string[] | undefined) ?? []).map((t) => ({ __address__: t })),
    labels: { ...((g.labels as Record<string, string> | undefined) ?? {}) },
  }));
}
