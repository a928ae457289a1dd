import { ConfigError } from '../errors.ts';
import type { Label } from '../model/types.ts';
import type { CompiledRelabel } from '../relabel/index.ts';
import { Checker } from './check.ts';
import { parseRemoteWriteAuth, type RemoteWriteAuth } from './remote-write-auth.ts';
import { parseOverflowCaps, parseReplayConfig, type OverflowCaps, type ReplayConfig } from './overflow.ts';
import { parseSelfMetricsConfig, type SelfMetricsConfig } from './self-metrics.ts';
import { parseAuthConfig, type AuthConfig } from './auth.ts';
import { PROTOCOL_OPTIONS, type ProtocolOptionsConfig } from '../ingest/protocol-options.ts';
import { parseScrapeSection, type ConfigDocReader, type ScrapeJob } from './scrape.ts';
import { gatewayDocument } from './shape/gateway.ts';
import { scrapeConfigFile } from './shape/scrape.ts';
import { checkShape, mergeProblems } from './shape/validate.ts';
import { compileRules } from './compile-rules.ts';
import { readStreamAggregationSection, type StreamAggregationSection } from '../aggregation/section.ts';
import { readRemoteWriteAggregation } from './remote-write-aggregation.ts';

export interface QueueConfig {
  maxSamplesPerSend: number;
  minBackoffMs: number;
  maxBackoffMs: number;
  retryOnHttp429: boolean;
}

export interface RemoteWriteConfig {
  /** Unique; names the overflow/<name>/ and rejected/<name>/ prefixes and the destination label of counters. */
  name: string;
  url: string;
  headers: Record<string, string>;
  remoteTimeoutMs: number;
  queue: QueueConfig;
  /** write_relabel_configs, compiled: applied to what this destination receives. */
  writeRelabel: CompiledRelabel;
  /** basic_auth / authorization / oauth2 / sigv4 and tls_config (lib/config/remote-write-auth.ts). */
  auth: RemoteWriteAuth;
  /** Caps on overflow/<name>/ (lib/config/overflow.ts). */
  overflow: OverflowCaps;
  /**
   * protobuf_message (Prometheus' name): the message sent. 2.0 answered 415 falls back to 1.0 for the rest of
   * the process (lib/delivery/wire.ts). Default 1.0: VictoriaMetrics and most receivers do not speak 2.0.
   */
  protobufMessage: 'prometheus.WriteRequest' | 'io.prometheus.write.v2.Request';
  /** send_exemplars (Prometheus' name; default true here, false in Prometheus): a proxy forwards what arrived. */
  sendExemplars: boolean;
  /** send_native_histograms (Prometheus' name; default true here): false drops them, counted and logged. */
  sendNativeHistograms: boolean;
  /** convert_native_histograms_to_classic: send native histograms as _bucket{le}/_count/_sum series (lib/model/classic.ts). */
  convertNativeHistogramsToClassic: boolean;
  /** queue_config.sample_age_limit, when set above 0: older data is dropped when sent (lib/delivery/sample-age.ts). */
  sampleAgeLimitMs?: number;
  /** metadata_config.send: present (false) only when metadata is not to be sent. */
  sendMetadata?: false;
  /** stream_aggregation of this destination (vmagent's -remoteWrite.streamAggr.config): present only with rules. */
  streamAggregation?: StreamAggregationSection;
}

export interface IngestLimits {
  /** Request body as received (compressed). API Gateway + Lambda cap a raw body at about 4.4 MB. */
  maxBodyBytes: number;
  /** Request body after Content-Encoding is undone. */
  maxDecompressedBodyBytes: number;
  /** Longest accepted line of a line-based protocol, in characters. */
  maxLineLength: number;
  maxLabelsPerSeries: number;
  maxLabelNameLength: number;
  maxLabelValueLength: number;
  maxSeriesPerRequest: number;
}

/** The validated gateway.yaml; each protocol section (`otlp`, `datadog`, ...) comes from ProtocolOptionsConfig (lib/ingest/protocol-options.ts). */
export interface GatewayConfig extends ProtocolOptionsConfig {
  /** global.external_labels: added to every pushed series that lacks them, after relabeling. */
  externalLabels: Label[];
  /** relabel_configs: applied to every pushed series after parsing, before the limits. */
  relabel: CompiledRelabel;
  remoteWrite: RemoteWriteConfig[];
  ingest: IngestLimits;
  queue: {
    /** Body plus attributes of one queue message. SQS allows 1 MiB; the default suits older emulators. */
    maxMessageBytes: number;
    /**
     * Samples per queue message. Defaults to the smallest max_samples_per_send of the destinations, so
     * delivery can forward a message as one request without decoding it.
     */
    maxSamplesPerMessage: number;
    /**
     * Ordered mode (docs/ordering.md): series are sharded into `shards` message groups of a FIFO queue and
     * each group is delivered in order; a receiver outage holds the group back in the queue instead of
     * overflowing.
     */
    ordered: boolean;
    /** Message groups in ordered mode, 1..1000. */
    shards: number;
  };
  /** Draining overflow/ (lib/config/overflow.ts). */
  replay: ReplayConfig;
  /** The gateway's own gateway_* series (lib/config/self-metrics.ts). */
  selfMetrics: SelfMetricsConfig;
  /** Inbound authentication and tenants (lib/config/auth.ts). */
  auth: AuthConfig;
  /** scrape_configs (and scrape_config_files), with global.scrape_interval / scrape_timeout applied. */
  scrape: ScrapeJob[];
  /** stream_aggregation (docs/stream-aggregation.md): present only when it has rules. */
  streamAggregation?: StreamAggregationSection;
}

export const DEFAULT_LIMITS: IngestLimits = {
  maxBodyBytes: 4 * 1024 * 1024,
  maxDecompressedBodyBytes: 32 * 1024 * 1024,
  maxLineLength: 256 * 1024,
  maxLabelsPerSeries: 40,
  maxLabelNameLength: 256,
  maxLabelValueLength: 4096,
  maxSeriesPerRequest: 1_000_000,
};

export const DEFAULT_MAX_SAMPLES_PER_SEND = 10_000;
/** Message groups in ordered mode: matches the deliver function's default maximum concurrency (10). */
export const DEFAULT_SHARDS = 10;

const PROTOBUF_MESSAGES = ['prometheus.WriteRequest', 'io.prometheus.write.v2.Request'] as const;

/** A validated config and what was accepted with a warning (fields without effect, old spellings). */
export interface LoadedConfig {
  config: GatewayConfig;
  warnings: string[];
}

/**
 * Validates a parsed gateway.yaml; throws ConfigError listing every problem with its path. readDoc reads
 * the files listed under scrape_config_files as parsed documents (without it, listing any is a problem).
 * Warnings are dropped: readGatewayConfig returns them.
 */
export function parseGatewayConfig(raw: unknown, readDoc?: ConfigDocReader): GatewayConfig {
  return readGatewayConfig(raw, readDoc).config;
}

/**
 * parseGatewayConfig with its warnings. The shape (keys, types, ranges) is checked against the schema in
 * lib/config/shape/; the readers below add the semantic checks and build the GatewayConfig. Where both
 * name the same path, the schema's problem is the one reported.
 */
export function readGatewayConfig(raw: unknown, readDoc?: ConfigDocReader): LoadedConfig {
  const shape = checkShape(gatewayDocument, raw ?? {});
  const c = new Checker([], true);
  const checkDoc = (doc: unknown, at: string): void => {
    const r = checkShape(scrapeConfigFile, doc, at, ' ');
    shape.problems.push(...r.problems);
    shape.warnings.push(...r.warnings);
  };
  const top = c.object(raw ?? {}, '(root)') ?? {};
  const global = c.object(top.global, 'global') ?? {};
  const externalLabels = Object.entries(c.stringMap(global.external_labels, 'global.external_labels'))
    .map(([name, value]) => ({ name, value }))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  const relabel = compileRules(c, top.relabel_configs, 'relabel_configs');
  const remoteWrite = c.array(top.remote_write, 'remote_write').map((rw, i) => parseRemoteWrite(c, rw, `remote_write[${i}]`));
  const names = new Set<string>();
  remoteWrite.forEach((rw, i) => {
    if (!rw.url) return;
    if (names.has(rw.name)) c.fail(`remote_write[${i}].name`, `duplicate name "${rw.name}"`);
    names.add(rw.name);
  });
  const ing = c.object(top.ingest, 'ingest') ?? {};
  const d = DEFAULT_LIMITS;
  const ingest: IngestLimits = {
    maxBodyBytes: c.int(ing.max_body_bytes, 'ingest.max_body_bytes', d.maxBodyBytes),
    maxDecompressedBodyBytes: c.int(ing.max_decompressed_body_bytes, 'ingest.max_decompressed_body_bytes', d.maxDecompressedBodyBytes),
    maxLineLength: c.int(ing.max_line_length, 'ingest.max_line_length', d.maxLineLength),
    maxLabelsPerSeries: c.int(ing.max_labels_per_series, 'ingest.max_labels_per_series', d.maxLabelsPerSeries),
    maxLabelNameLength: c.int(ing.max_label_name_length, 'ingest.max_label_name_length', d.maxLabelNameLength),
    maxLabelValueLength: c.int(ing.max_label_value_length, 'ingest.max_label_value_length', d.maxLabelValueLength),
    maxSeriesPerRequest: c.int(ing.max_series_per_request, 'ingest.max_series_per_request', d.maxSeriesPerRequest),
  };
  const q = c.object(top.queue, 'queue') ?? {};
  const smallestSend = Math.min(DEFAULT_MAX_SAMPLES_PER_SEND, ...remoteWrite.map((rw) => rw.queue.maxSamplesPerSend));
  const queue = {
    maxMessageBytes: c.int(q.max_message_bytes, 'queue.max_message_bytes', 256 * 1024),
    maxSamplesPerMessage: c.int(q.max_samples_per_message, 'queue.max_samples_per_message', remoteWrite.length ? smallestSend : DEFAULT_MAX_SAMPLES_PER_SEND),
    ordered: c.bool(q.ordered, 'queue.ordered', false),
    shards: c.int(q.shards, 'queue.shards', DEFAULT_SHARDS),
  };
  if (q.shards !== undefined && q.shards !== null && !queue.ordered) c.fail('queue.shards', 'only applies with queue.ordered: true');
  const replay = parseReplayConfig(c, top.replay, 'replay');
  const selfMetrics = parseSelfMetricsConfig(c, top.self_metrics, 'self_metrics');
  const auth = parseAuthConfig(c, top.auth);
  const fail = c.fail.bind(c);
  const protocols = readProtocolSections(c, top, fail);
  const scrape = parseScrapeSection(c, top, global, readDoc, checkDoc);
  const streamAggregation = readStreamAggregationSection(top.stream_aggregation, fail, readDoc);
  readRemoteWriteAggregation(top.remote_write, remoteWrite, fail, readDoc);
  const problems = mergeProblems(shape.problems, c.problems);
  if (problems.length) throw new ConfigError(problems);
  return { config: { externalLabels, relabel, remoteWrite, ingest, queue, replay, selfMetrics, auth, ...protocols, scrape, ...(streamAggregation ? { streamAggregation } : {}) }, warnings: shape.warnings };
}

/** Each protocol's section of gateway.yaml (lib/ingest/protocol-options.ts), read into its options. */
function readProtocolSections(c: Checker, top: Record<string, unknown>, fail: (path: string, msg: string) => void): ProtocolOptionsConfig {
  const out: Record<string, unknown> = {};
  for (const [key, section] of Object.entries(PROTOCOL_OPTIONS)) out[key] = section.read(c.object(top[key], key), fail);
  return out as ProtocolOptionsConfig;
}

function parseRemoteWrite(c: Checker, raw: unknown, path: string): RemoteWriteConfig {
  const o = c.object(raw, path) ?? {};
  for (const k of ['azuread', 'google_iam']) {
    if (o[k] !== undefined && o[k] !== null) c.fail(`${path}.${k}`, 'not supported by the gateway: use basic_auth, authorization, oauth2 or sigv4');
  }
  const url = c.string(o.url, `${path}.url`);
  if (o.url === undefined || o.url === null) c.fail(`${path}.url`, 'required');
  else if (url !== undefined && !/^https?:\/\/[^/]+/.test(url)) c.fail(`${path}.url`, `must be an http:// or https:// URL, got ${JSON.stringify(url)}`);
  const name = c.string(o.name, `${path}.name`) ?? defaultName(url ?? '');
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) c.fail(`${path}.name`, `must match [A-Za-z0-9_.-]+ (it names blob store prefixes), got ${JSON.stringify(name)}`);
  const qc = c.object(o.queue_config, `${path}.queue_config`) ?? {};
  const queue: QueueConfig = {
    // Prometheus defaults min_backoff 30ms, max_backoff 5s, 429 not retried. max_samples_per_send defaults to
    // 10000 (vmagent's block size) rather than Prometheus' 2000: queue messages are billed per 64 KiB, so
    // fuller messages are cheaper, and every receiver takes 10k-sample requests.
    maxSamplesPerSend: c.int(qc.max_samples_per_send, `${path}.queue_config.max_samples_per_send`, DEFAULT_MAX_SAMPLES_PER_SEND),
    minBackoffMs: c.duration(qc.min_backoff, `${path}.queue_config.min_backoff`, 30),
    maxBackoffMs: c.duration(qc.max_backoff, `${path}.queue_config.max_backoff`, 5000),
    retryOnHttp429: c.bool(qc.retry_on_http_429, `${path}.queue_config.retry_on_http_429`, false),
  };
  if (queue.minBackoffMs > queue.maxBackoffMs) c.fail(`${path}.queue_config.min_backoff`, 'must not exceed max_backoff');
  const sampleAgeLimitMs = c.duration(qc.sample_age_limit, `${path}.queue_config.sample_age_limit`, 0);
  const mc = c.object(o.metadata_config, `${path}.metadata_config`) ?? {};
  const sendMetadata = c.bool(mc.send, `${path}.metadata_config.send`, true);
  const headers = c.stringMap(o.headers, `${path}.headers`);
  for (const h of Object.keys(headers)) {
    if (PROTECTED_HEADERS.includes(h.toLowerCase())) c.fail(`${path}.headers.${h}`, 'is set by the remote_write protocol and cannot be overridden');
  }
  return {
    name,
    url: url ?? '',
    headers,
    remoteTimeoutMs: c.duration(o.remote_timeout, `${path}.remote_timeout`, 30_000),
    queue,
    writeRelabel: compileRules(c, o.write_relabel_configs, `${path}.write_relabel_configs`),
    auth: parseRemoteWriteAuth(c, o, path),
    overflow: parseOverflowCaps(c, o.overflow, `${path}.overflow`),
    protobufMessage: parseProtobufMessage(c, o.protobuf_message, `${path}.protobuf_message`),
    sendExemplars: c.bool(o.send_exemplars, `${path}.send_exemplars`, true),
    sendNativeHistograms: c.bool(o.send_native_histograms, `${path}.send_native_histograms`, true),
    convertNativeHistogramsToClassic: c.bool(o.convert_native_histograms_to_classic, `${path}.convert_native_histograms_to_classic`, false),
    ...(sampleAgeLimitMs > 0 ? { sampleAgeLimitMs } : {}),
    ...(sendMetadata ? {} : { sendMetadata: false as const }),
  };
}

function parseProtobufMessage(c: Checker, raw: unknown, path: string): RemoteWriteConfig['protobufMessage'] {
  if (raw === undefined || raw === null) return 'prometheus.WriteRequest';
  const v = c.string(raw, path);
  const found = PROTOBUF_MESSAGES.find((m) => m === v);
  if (!found) {
    c.fail(path, `must be one of ${PROTOBUF_MESSAGES.join(', ')}, got ${JSON.stringify(raw)}`);
    return 'prometheus.WriteRequest';
  }
  return found;
}

/** Prometheus refuses user headers that would override the protocol's own. */
const PROTECTED_HEADERS = ['content-encoding', 'content-type', 'x-prometheus-remote-write-version', 'user-agent', 'content-length'];

/** A stable name from the URL's host and path when none is configured. */
function defaultName(url: string): string {
  return url.replace(/^https?:\/\//, '').replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^_+|_+$/g, '') || 'default';
}
