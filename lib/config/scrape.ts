import { formatDuration } from './duration.ts';
import { SECRET_REF_RE } from '../ports/index.ts';
import type { CompiledRelabel } from '../relabel/index.ts';
import { readSdConfigs } from '../scrape/discovery/config.ts';
import type { ScrapeProxy } from '../scrape/proxy.ts';
import { parseProxyUrl } from './remote-write-auth.ts';
import type { Checker } from './check.ts';
import { compileRules } from './compile-rules.ts';

/**
 * The Prometheus scrape configuration inside gateway.yaml: `global.scrape_interval`, `global.scrape_timeout`,
 * `scrape_configs` (as in prometheus.yml) and `scrape_config_files` (files holding more `scrape_configs`).
 * Secrets are references only: `password_file` / `credentials_file` (read through the SecretStore as
 * `file:<path>`) or `password_ref` / `credentials_ref` (`env:`, `file:`, `secretsmanager:`, `ssm:`); the
 * literal `password` and `credentials` are refused so no secret ends up in a bundle.
 */
export interface TlsSettings {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  serverName?: string;
  insecureSkipVerify: boolean;
  minVersion?: 'TLS10' | 'TLS11' | 'TLS12' | 'TLS13';
}

export interface ScrapeJob {
  jobName: string;
  /** `scrape_configs[i]` or `scrape_config_files[j] (file) scrape_configs[i]`, for messages. */
  path: string;
  scrapeIntervalMs: number;
  scrapeTimeoutMs: number;
  metricsPath: string;
  scheme: 'http' | 'https';
  /** Query parameters; a target's `__param_<name>` label replaces the first value. */
  params: Record<string, string[]>;
  honorLabels: boolean;
  honorTimestamps: boolean;
  /** 0 = no limit (as in Prometheus). */
  sampleLimit: number;
  labelLimit: number;
  labelNameLengthLimit: number;
  labelValueLengthLimit: number;
  /** Uncompressed body bytes; 0 = the gateway's ceiling (MAX_SCRAPE_BODY_BYTES). */
  bodySizeLimitBytes: number;
  basicAuth?: { username: string; passwordRef?: string };
  authorization?: { type: string; credentialsRef?: string };
  tls?: TlsSettings;
  relabel: CompiledRelabel;
  metricRelabel: CompiledRelabel;
  /** Formats asked for, in order of preference (scrape_protocols); builds the Accept header. */
  scrapeProtocols: ScrapeProtocol[];
  /** Keep native histograms of protobuf bodies (scrape_native_histograms; Prometheus 3 default false). */
  scrapeNativeHistograms: boolean;
  /** Keep the classic series of a histogram also kept as native (always_scrape_classic_histograms). */
  alwaysScrapeClassicHistograms: boolean;
  /** Classic histograms become native histograms with custom buckets, schema -53 (convert_classic_histograms_to_nhcb). */
  convertClassicHistogramsToNhcb: boolean;
  /** follow_redirects (Prometheus default true): 3xx answers are followed, at most 10 (lib/scrape/fetch.ts). */
  followRedirects: boolean;
  /** proxy_url + no_proxy, or proxy_from_environment (lib/scrape/proxy.ts); absent: scrapes go direct. */
  proxy?: ScrapeProxy;
  /** The job as written, for service discovery (static_configs, file_sd_configs, ...). */
  raw: Record<string, unknown>;
}

/** Prometheus 3's scrape_protocols names (config.ScrapeProtocol). */
export const SCRAPE_PROTOCOLS = ['PrometheusProto', 'OpenMetricsText1.0.0', 'OpenMetricsText0.0.1', 'PrometheusText1.0.0', 'PrometheusText0.0.4'] as const;
export type ScrapeProtocol = (typeof SCRAPE_PROTOCOLS)[number];
/** Prometheus 3's DefaultScrapeProtocols. */
export const DEFAULT_SCRAPE_PROTOCOLS: readonly ScrapeProtocol[] = ['OpenMetricsText1.0.0', 'OpenMetricsText0.0.1', 'PrometheusText1.0.0', 'PrometheusText0.0.4'];
/** Prometheus 3's DefaultProtoFirstScrapeProtocols: the default when scrape_native_histograms is on (native histograms only travel in protobuf). */
export const PROTO_FIRST_SCRAPE_PROTOCOLS: readonly ScrapeProtocol[] = ['PrometheusProto', ...DEFAULT_SCRAPE_PROTOCOLS];
/** Scrape options that global sets for every job (a job's own setting wins), as in Prometheus 3. */
export const GLOBAL_SCRAPE_KEYS = ['scrape_protocols', 'scrape_native_histograms', 'always_scrape_classic_histograms', 'convert_classic_histograms_to_nhcb'];

export const DEFAULT_SCRAPE_INTERVAL_MS = 60_000;
export const DEFAULT_SCRAPE_TIMEOUT_MS = 10_000;

const TLS_VERSIONS = ['TLS10', 'TLS11', 'TLS12', 'TLS13'] as const;

/** Reads a file named by scrape_config_files (relative paths are the caller's business); throws when missing. */
export type ConfigFileReader = (path: string) => string;

/**
 * Reads one of scrape_config_files as a parsed document (the loaders wrap a ConfigFileReader with their
 * parser: YAML in load.ts), so validating a config never loads a YAML parser itself.
 */
export type ConfigDocReader = (path: string) => unknown;

/**
 * Validates the scrape part of gateway.yaml. Problems go to the checker with exact paths; jobs with problems
 * are still returned (callers throw when the checker holds any problem). checkDoc checks the shape of each
 * scrape_config_files document (lib/config/shape/), named `at`.
 */
export function parseScrapeSection(c: Checker, top: Record<string, unknown>, global: Record<string, unknown>, readDoc?: ConfigDocReader, checkDoc?: (doc: unknown, at: string) => void): ScrapeJob[] {
  const interval = c.duration(global.scrape_interval, 'global.scrape_interval', DEFAULT_SCRAPE_INTERVAL_MS);
  const globalTimeout = c.duration(global.scrape_timeout, 'global.scrape_timeout', Math.min(DEFAULT_SCRAPE_TIMEOUT_MS, interval));
  if (global.scrape_timeout !== undefined && globalTimeout > interval) c.fail('global.scrape_timeout', `must not exceed global.scrape_interval (${global.scrape_timeout} > ${global.scrape_interval ?? '1m'})`);
  const defaults: JobDefaults = {
    interval,
    timeout: globalTimeout,
    protocols: global.scrape_protocols === undefined ? undefined : protocols(c, global.scrape_protocols, 'global.scrape_protocols'),
    nativeHistograms: c.bool(global.scrape_native_histograms, 'global.scrape_native_histograms', false),
    alwaysClassic: c.bool(global.always_scrape_classic_histograms, 'global.always_scrape_classic_histograms', false),
    nhcb: c.bool(global.convert_classic_histograms_to_nhcb, 'global.convert_classic_histograms_to_nhcb', false),
  };
  const jobs = c.array(top.scrape_configs, 'scrape_configs').map((raw, i) => parseJob(c, raw, `scrape_configs[${i}]`, defaults));
  c.strict().array(top.scrape_config_files, 'scrape_config_files').forEach((f, i) => {
    const at = `scrape_config_files[${i}]`;
    if (typeof f !== 'string' || f === '') return c.fail(at, 'must be a file path');
    if (!readDoc) return c.fail(at, 'cannot read files here (no file access given to the config loader)');
    let doc: unknown;
    try {
      doc = readDoc(f);
    } catch (err) {
      return c.fail(at, `cannot read ${JSON.stringify(f)}: ${(err as Error).message.split('\n')[0]}`);
    }
    checkDoc?.(doc ?? {}, `${at} (${f})`);
    const o = c.object(doc ?? {}, `${at} (${f})`) ?? {};
    c.array(o.scrape_configs, `${at} (${f}) scrape_configs`).forEach((raw, j) => jobs.push(parseJob(c, raw, `${at} (${f}) scrape_configs[${j}]`, defaults)));
  });
  const seen = new Map<string, string>();
  for (const j of jobs) {
    if (!j.jobName) continue;
    const prev = seen.get(j.jobName);
    if (prev !== undefined) c.fail(`${j.path}.job_name`, `duplicate job name "${j.jobName}" (also ${prev})`);
    else seen.set(j.jobName, j.path);
  }
  return jobs;
}

interface JobDefaults {
  interval: number;
  timeout: number;
  /** global.scrape_protocols when set. */
  protocols: ScrapeProtocol[] | undefined;
  nativeHistograms: boolean;
  alwaysClassic: boolean;
  nhcb: boolean;
}

/** scrape_protocols: a non-empty list of known names without repeats (Prometheus' validation). */
function protocols(c: Checker, v: unknown, path: string): ScrapeProtocol[] {
  const list = c.strict().array(v, path);
  if (v !== undefined && v !== null && Array.isArray(v) && list.length === 0) c.fail(path, 'must not be empty');
  const out: ScrapeProtocol[] = [];
  list.forEach((x, i) => {
    if (typeof x !== 'string' || !(SCRAPE_PROTOCOLS as readonly string[]).includes(x)) {
      return c.fail(`${path}[${i}]`, `unknown scrape protocol ${JSON.stringify(x)}, supported: ${SCRAPE_PROTOCOLS.join(', ')}`);
    }
    if (out.includes(x as ScrapeProtocol)) return c.fail(`${path}[${i}]`, `duplicated protocol ${x}`);
    out.push(x as ScrapeProtocol);
  });
  return out;
}

function parseJob(c: Checker, raw: unknown, path: string, d: JobDefaults): ScrapeJob {
  const o = c.object(raw, path) ?? {};
  if (raw === undefined || raw === null) c.fail(path, 'must be a mapping (a scrape config)');
  const jobName = c.string(o.job_name, `${path}.job_name`) ?? '';
  if (o.job_name === undefined || o.job_name === null || jobName === '') c.fail(`${path}.job_name`, 'required');
  const scrapeIntervalMs = c.duration(o.scrape_interval, `${path}.scrape_interval`, d.interval);
  if (scrapeIntervalMs <= 0) c.fail(`${path}.scrape_interval`, 'must be greater than 0');
  // Prometheus: an unset job timeout is the global one, capped at the job's interval.
  const fallbackTimeout = Math.min(d.timeout, scrapeIntervalMs);
  const scrapeTimeoutMs = c.duration(o.scrape_timeout, `${path}.scrape_timeout`, fallbackTimeout);
  if (o.scrape_timeout !== undefined && scrapeTimeoutMs > scrapeIntervalMs) c.fail(`${path}.scrape_timeout`, `must not exceed scrape_interval (${String(o.scrape_timeout)} > ${formatDuration(scrapeIntervalMs)})`);
  if (o.scrape_timeout !== undefined && scrapeTimeoutMs <= 0) c.fail(`${path}.scrape_timeout`, 'must be greater than 0');
  const metricsPath = c.string(o.metrics_path, `${path}.metrics_path`, '/metrics');
  const scheme = c.string(o.scheme, `${path}.scheme`, 'http');
  if (scheme !== 'http' && scheme !== 'https') c.fail(`${path}.scheme`, `must be http or https, got ${JSON.stringify(scheme)}`);
  const params: Record<string, string[]> = {};
  const p = c.strict().object(o.params, `${path}.params`) ?? {};
  for (const [k, v] of Object.entries(p)) {
    const list = c.strict().array(v, `${path}.params.${k}`);
    params[k] = list.map((x, i) => (typeof x === 'string' || typeof x === 'number' ? String(x) : (c.fail(`${path}.params.${k}[${i}]`, 'must be a string'), '')));
  }
  const limit = (k: string): number => c.int(o[k], `${path}.${k}`, 0);
  const scrapeNativeHistograms = c.bool(o.scrape_native_histograms, `${path}.scrape_native_histograms`, d.nativeHistograms);
  // Prometheus 3: unset scrape_protocols is the global one, else proto first when native histograms are scraped.
  const scrapeProtocols = o.scrape_protocols !== undefined ? protocols(c, o.scrape_protocols, `${path}.scrape_protocols`) : (d.protocols ?? [...(scrapeNativeHistograms ? PROTO_FIRST_SCRAPE_PROTOCOLS : DEFAULT_SCRAPE_PROTOCOLS)]);
  const job: ScrapeJob = {
    jobName,
    path,
    scrapeIntervalMs,
    scrapeTimeoutMs,
    metricsPath,
    scheme: scheme === 'https' ? 'https' : 'http',
    params,
    honorLabels: c.bool(o.honor_labels, `${path}.honor_labels`, false),
    honorTimestamps: c.bool(o.honor_timestamps, `${path}.honor_timestamps`, true),
    sampleLimit: limit('sample_limit'),
    labelLimit: limit('label_limit'),
    labelNameLengthLimit: limit('label_name_length_limit'),
    labelValueLengthLimit: limit('label_value_length_limit'),
    bodySizeLimitBytes: byteSize(c, o.body_size_limit, `${path}.body_size_limit`),
    relabel: compileRules(c, o.relabel_configs, `${path}.relabel_configs`),
    metricRelabel: compileRules(c, o.metric_relabel_configs, `${path}.metric_relabel_configs`),
    scrapeProtocols,
    scrapeNativeHistograms,
    alwaysScrapeClassicHistograms: c.bool(o.always_scrape_classic_histograms, `${path}.always_scrape_classic_histograms`, d.alwaysClassic),
    convertClassicHistogramsToNhcb: c.bool(o.convert_classic_histograms_to_nhcb, `${path}.convert_classic_histograms_to_nhcb`, d.nhcb),
    followRedirects: c.bool(o.follow_redirects, `${path}.follow_redirects`, true),
    raw: o,
  };
  const basic = basicAuth(c, o.basic_auth, `${path}.basic_auth`);
  if (basic) job.basicAuth = basic;
  const authz = authorization(c, o.authorization, `${path}.authorization`);
  if (authz) job.authorization = authz;
  if (basic && authz) c.fail(`${path}.authorization`, 'at most one of basic_auth and authorization may be set');
  const tls = tlsConfig(c, o.tls_config, `${path}.tls_config`);
  if (tls) job.tls = tls;
  const proxy = proxyConfig(c, o, path);
  if (proxy) job.proxy = proxy;
  readSdConfigs(c, o, path); // the schema (lib/config/shape/discovery.ts) checked their shape; this adds the semantic rules
  return job;
}

/** Prometheus' ProxyConfig rules: proxy_url or proxy_from_environment, no_proxy only with proxy_url. */
function proxyConfig(c: Checker, o: Record<string, unknown>, path: string): ScrapeProxy | undefined {
  const url = parseProxyUrl(c, o.proxy_url, `${path}.proxy_url`);
  const noProxy = c.string(o.no_proxy, `${path}.no_proxy`) ?? '';
  const fromEnvironment = c.bool(o.proxy_from_environment, `${path}.proxy_from_environment`, false);
  if (fromEnvironment && url) c.fail(`${path}.proxy_url`, 'must not be set with proxy_from_environment');
  if (noProxy && fromEnvironment) c.fail(`${path}.no_proxy`, 'must not be set with proxy_from_environment (NO_PROXY comes from the environment)');
  else if (noProxy && !url) c.fail(`${path}.no_proxy`, 'needs proxy_url');
  if (fromEnvironment) return { fromEnvironment: true };
  return url ? { url, noProxy } : undefined;
}

/** A secret given as `<name>_file` (a path) or `<name>_ref` (a SecretStore reference); literals are refused. */
function secretRef(c: Checker, o: Record<string, unknown>, name: string, path: string): string | undefined {
  if (o[name] !== undefined && o[name] !== null) c.fail(`${path}.${name}`, `literal secrets are not accepted: use ${name}_file or ${name}_ref (env:NAME, file:/path, secretsmanager:..., ssm:/...)`);
  const file = c.string(o[`${name}_file`], `${path}.${name}_file`);
  const ref = c.string(o[`${name}_ref`], `${path}.${name}_ref`);
  if (file !== undefined && ref !== undefined) c.fail(path, `at most one of ${name}_file and ${name}_ref may be set`);
  if (ref !== undefined && !SECRET_REF_RE.test(ref)) c.fail(`${path}.${name}_ref`, `must be env:NAME, file:/path, secretsmanager:<arn|name>[#key] or ssm:/name, got ${JSON.stringify(ref.slice(0, 60))}`);
  if (file !== undefined) return `file:${file}`;
  return ref;
}

function basicAuth(c: Checker, raw: unknown, path: string): ScrapeJob['basicAuth'] {
  const o = c.object(raw, path);
  if (!o) return undefined;
  const username = c.string(o.username, `${path}.username`, '');
  if (username === '') c.fail(`${path}.username`, 'required');
  const passwordRef = secretRef(c, o, 'password', path);
  return passwordRef === undefined ? { username } : { username, passwordRef };
}

function authorization(c: Checker, raw: unknown, path: string): ScrapeJob['authorization'] {
  const o = c.object(raw, path);
  if (!o) return undefined;
  const type = c.string(o.type, `${path}.type`, 'Bearer');
  if (type.toLowerCase() === 'basic') c.fail(`${path}.type`, 'must not be Basic (use basic_auth)');
  const credentialsRef = secretRef(c, o, 'credentials', path);
  return credentialsRef === undefined ? { type } : { type, credentialsRef };
}

function tlsConfig(c: Checker, raw: unknown, path: string): TlsSettings | undefined {
  const o = c.object(raw, path);
  if (!o) return undefined;
  const t: TlsSettings = { insecureSkipVerify: c.bool(o.insecure_skip_verify, `${path}.insecure_skip_verify`, false) };
  const s = (k: string): string | undefined => c.string(o[k], `${path}.${k}`);
  const ca = s('ca_file');
  const cert = s('cert_file');
  const key = s('key_file');
  const sn = s('server_name');
  const mv = s('min_version');
  if (ca !== undefined) t.caFile = ca;
  if (cert !== undefined) t.certFile = cert;
  if (key !== undefined) t.keyFile = key;
  if (sn !== undefined) t.serverName = sn;
  if ((cert === undefined) !== (key === undefined)) c.fail(path, 'cert_file and key_file must be set together');
  if (mv !== undefined) {
    if ((TLS_VERSIONS as readonly string[]).includes(mv)) t.minVersion = mv as TlsSettings['minVersion'];
    else c.fail(`${path}.min_version`, `must be one of ${TLS_VERSIONS.join(', ')}, got ${JSON.stringify(mv)}`);
  }
  return t;
}

const BYTE_UNITS: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4, KIB: 1024, MIB: 1024 ** 2, GIB: 1024 ** 3, TIB: 1024 ** 4 };

/** Prometheus' body_size_limit: `0`, or a number with B, KB, MB, GB, TB (base 2, like Go's units.Base2Bytes) or KiB... */
function byteSize(c: Checker, v: unknown, path: string): number {
  if (v === undefined || v === null || v === 0 || v === '0') return 0;
  const m = typeof v === 'string' ? /^(\d+)\s*([a-zA-Z]+)$/.exec(v.trim()) : null;
  const unit = m ? BYTE_UNITS[m[2]!.toUpperCase()] : undefined;
  if (!m || unit === undefined) {
    c.fail(path, `must be a size like 10MB, 512KiB or 0, got ${JSON.stringify(v)}`);
    return 0;
  }
  return Number(m[1]) * unit;
}
