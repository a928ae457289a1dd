import { PROTOCOL_OPTIONS } from '../../ingest/protocol-options.ts';
import { bool, checkedElsewhere, duration, int, list, mapping, noEffect, opt, str, stringMap } from './kit.ts';
import { relabelRules } from './relabel.ts';
import { remoteWriteEntry } from './remote-write.ts';
import { globalScrapeEntries, scrapeJob } from './scrape.ts';
import { streamAggregationSection } from './stream-aggregation.ts';

/**
 * gateway.yaml, whole: the one place its shape is defined. lib/config/schema.ts validates a document
 * against it (validate.ts) before reading it into a GatewayConfig with the semantic checks (cross-field
 * rules, secret references, relabel compilation); `gateway schema` prints its JSON Schema (json-schema.ts).
 */

const global = mapping({
  external_labels: opt(stringMap('Added to every pushed series that lacks them.')),
  scrape_interval: opt(duration('Default 1m.')),
  scrape_timeout: opt(duration('Default 10s (at most scrape_interval).')),
  evaluation_interval: opt(noEffect(duration(), 'the gateway evaluates no rules')),
  ...globalScrapeEntries,
});

const ingest = mapping({
  max_body_bytes: opt(int(1, undefined, 'Request body as received (compressed). Default 4 MiB.')),
  max_decompressed_body_bytes: opt(int(1, 2 ** 31 - 1, 'After Content-Encoding is undone. Default 32 MiB.')),
  max_line_length: opt(int(1)),
  max_labels_per_series: opt(int(1)),
  max_label_name_length: opt(int(1)),
  max_label_value_length: opt(int(1)),
  max_series_per_request: opt(int(1)),
});

const queue = mapping({
  max_message_bytes: opt(int(4096, 1024 * 1024, 'Body plus attributes of one queue message. Default 256 KiB.')),
  max_samples_per_message: opt(int(1)),
  ordered: opt(bool('FIFO queue, series sharded into ordered message groups (docs/ordering.md).')),
  shards: opt(int(1, 1000, 'Message groups in ordered mode. Default 10.')),
});

const replay = mapping({
  interval: opt(duration('Default 30s; at least 1s.')),
  concurrency: opt(int(1, 64)),
  max_objects_per_second: opt(int(1)),
  max_bytes_per_second: opt(int(1024)),
});

const selfMetrics = mapping({
  enabled: opt(bool()),
  interval: opt(duration('Default 1m; at least 1s.')),
  labels: opt(stringMap('Default job: metrics-gateway.')),
});

const credential = (secret: string) =>
  mapping({
    [`${secret}_ref`]: opt(str('SecretStore reference: env:NAME, file:/path, secretsmanager:<id>[#key], ssm:/name.')),
    tenant: opt(str()),
    extra_labels: opt(stringMap()),
    [secret]: opt(str('Refused: literal secrets are not accepted.')),
    ...(secret === 'password' ? { username: opt(str()) } : {}),
  });

const auth = mapping(
  {
    mode: opt(str('none or required.')),
    tenant_header: opt(str('Default X-Scope-OrgID.')),
    bearer_tokens: opt(list(credential('token'))),
    basic_auth: opt(list(credential('password'))),
    metrics: opt(str('authenticated (default) or public.')),
  },
  { description: 'Inbound authentication; required (auth: {mode: none} turns it off).' },
);

/** Each protocol's section (otlp, datadog, ...), from the protocol list: the schema names no protocol. */
const protocolSections = Object.fromEntries(Object.entries(PROTOCOL_OPTIONS).map(([key, section]) => [key, opt(section.schema)]));

export const gatewayDocument = mapping({
  global: opt(global),
  relabel_configs: opt(relabelRules),
  remote_write: opt(list(remoteWriteEntry)),
  ingest: opt(ingest),
  queue: opt(queue),
  replay: opt(replay),
  self_metrics: opt(selfMetrics),
  auth: opt(auth),
  ...protocolSections,
  scrape_configs: opt(list(scrapeJob)),
  scrape_config_files: opt(checkedElsewhere({ type: 'array', items: { type: 'string' } })),
  stream_aggregation: opt(streamAggregationSection),
});

