import * as v from 'valibot';
import { bool, checkedElsewhere, duration, int, list, mapping, noEffect, oneOf, opt, str, stringMap } from './kit.ts';
import { relabelRules } from './relabel.ts';
import { streamAggregationSection } from './stream-aggregation.ts';

/**
 * One `remote_write` entry: every field Prometheus 3 documents for it (config.RemoteWriteConfig with
 * common/config's HTTPClientConfig inlined), plus the gateway's own (overflow, *_ref secrets,
 * convert_native_histograms_to_classic). Semantics (auth exclusivity, reserved headers, secret
 * references) are lib/config/schema.ts' and remote-write-auth.ts' checks.
 */

const TLS_VERSIONS = ['TLS10', 'TLS11', 'TLS12', 'TLS13'] as const;

export const tlsConfig = mapping(
  {
    ca: opt(str('CA certificate, inline PEM.')),
    ca_file: opt(str()),
    cert: opt(str('Client certificate, inline PEM.')),
    cert_file: opt(str()),
    key: opt(str('Refused: a private key would end up in the bundle; use key_file or key_ref.')),
    key_file: opt(str()),
    key_ref: opt(str('SecretStore reference: env:NAME, file:/path, secretsmanager:<id>[#key], ssm:/name.')),
    server_name: opt(str()),
    insecure_skip_verify: opt(bool()),
    min_version: opt(oneOf(TLS_VERSIONS, (x) => `must be one of TLS10, TLS11, TLS12, TLS13, got ${JSON.stringify(x)}`)),
  },
  { description: 'TLS towards the receiver (Prometheus tls_config).' },
);

const secretDoc = (name: string) => ({
  [name]: opt(str(`Refused: secrets are not accepted in the config; use ${name}_ref or ${name}_file.`)),
  [`${name}_ref`]: opt(str('SecretStore reference: env:NAME, file:/path, secretsmanager:<id>[#key], ssm:/name.')),
  [`${name}_file`]: opt(str()),
});

const basicAuth = mapping({ username: opt(str()), ...secretDoc('password') });
const authorization = mapping({ type: opt(str('Scheme, default Bearer.')), ...secretDoc('credentials') });
const oauth2 = mapping({
  client_id: str(),
  ...secretDoc('client_secret'),
  token_url: str(),
  scopes: opt(list(str())),
  endpoint_params: opt(stringMap()),
  tls_config: opt(tlsConfig),
  proxy_url: opt(str()),
});
const sigv4 = mapping({
  region: opt(str()),
  access_key: opt(str()),
  secret_key: opt(str('Refused: use secret_key_ref.')),
  secret_key_ref: opt(str()),
  profile: opt(str()),
  role_arn: opt(str()),
});

const NO_SHARDS = 'there are no in-memory shards: the queue batches and the deliver function scales with it';
const queueConfig = mapping({
  max_samples_per_send: opt(int(1, undefined, 'Samples per request (default 10000, vmagent block size).')),
  min_backoff: opt(duration('Default 30ms.')),
  max_backoff: opt(duration('Default 5s.')),
  retry_on_http_429: opt(bool('Default false, as in Prometheus.')),
  sample_age_limit: opt(duration('Data older than this when a batch is sent is dropped, counted (delivery_dropped_total{reason="sample_age_limit"}) and logged. 0 (default): no limit.')),
  capacity: opt(noEffect(int(0), 'samples wait in the queue, not in an in-memory buffer')),
  max_shards: opt(noEffect(int(0), NO_SHARDS)),
  min_shards: opt(noEffect(int(0), NO_SHARDS)),
  batch_send_deadline: opt(noEffect(duration(), 'batches are queue messages, formed when data arrives')),
});

const metadataConfig = mapping({
  send: opt(bool('false: no metadata is sent to this destination. Default true.')),
  send_interval: opt(noEffect(duration(), 'metadata is sent with the samples of the request that carried it')),
  max_samples_per_send: opt(noEffect(int(0), 'metadata is sent with the samples of the request that carried it')),
});

const NOT_SUPPORTED = (what: string) => checkedElsewhere({ description: `${what}: not supported by the gateway (refused).` });

export const remoteWriteEntry = mapping({
  url: str('http:// or https:// URL of the receiver.'),
  name: opt(str('Unique; names overflow/<name>/ and the destination label. Default from the URL.')),
  headers: opt(stringMap()),
  remote_timeout: opt(duration('Default 30s.')),
  queue_config: opt(queueConfig),
  metadata_config: opt(metadataConfig),
  write_relabel_configs: opt(relabelRules),
  stream_aggregation: opt(streamAggregationSection),
  overflow: opt(mapping({ max_age: opt(duration('Default 14d.')), max_bytes: opt(int(1)) })),
  protobuf_message: opt(oneOf(['prometheus.WriteRequest', 'io.prometheus.write.v2.Request'] as const, (x) => `must be one of prometheus.WriteRequest, io.prometheus.write.v2.Request, got ${JSON.stringify(x)}`)),
  send_exemplars: opt(bool('Default true here (a proxy forwards what arrived).')),
  send_native_histograms: opt(bool('Default true here.')),
  convert_native_histograms_to_classic: opt(bool()),
  basic_auth: opt(basicAuth),
  authorization: opt(authorization),
  oauth2: opt(oauth2),
  sigv4: opt(sigv4),
  tls_config: opt(tlsConfig),
  proxy_url: opt(str('An http:// proxy; https receivers are tunnelled with CONNECT.')),
  follow_redirects: opt(noEffect(bool(), 'a receiver answering a redirect is an error to fix, the write is retried as a failure')),
  enable_http2: opt(noEffect(bool(), 'the client speaks HTTP/1.1')),
  no_proxy: opt(noEffect(str(), 'set proxy_url only on destinations that need it')),
  proxy_from_environment: opt(noEffect(bool(), 'the gateway reads no proxy from the environment; set proxy_url')),
  proxy_connect_header: opt(noEffect(v.record(v.string(), v.unknown()), 'the proxy is not authenticated')),
  round_robin_dns: opt(noEffect(bool(), 'connections are spread by the Lambda functions, not by DNS answers')),
  azuread: opt(NOT_SUPPORTED('azuread')),
  google_iam: opt(NOT_SUPPORTED('google_iam')),
});
