import * as v from 'valibot';
import { SCRAPE_PROTOCOLS } from '../scrape.ts';
import { bool, checkedElsewhere, duration, int, list, mapping, noEffect, opt, str } from './kit.ts';
import { relabelRules } from './relabel.ts';
import { sdEntries } from './discovery.ts';

/**
 * A `scrape_configs` entry: the fields of Prometheus 3's ScrapeConfig (HTTPClientConfig inlined). Service
 * discovery sections are in discovery.ts; params, body_size_limit and scrape_protocols are checked by
 * lib/config/scrape.ts; the schema describes them.
 */

const tls = mapping({
  ca_file: opt(str()),
  cert_file: opt(str()),
  key_file: opt(str()),
  server_name: opt(str()),
  insecure_skip_verify: opt(bool()),
  min_version: opt(str('TLS10, TLS11, TLS12 or TLS13.')),
});
const secret = (name: string) => ({
  [name]: opt(str(`Refused: literal secrets are not accepted; use ${name}_file or ${name}_ref.`)),
  [`${name}_file`]: opt(str()),
  [`${name}_ref`]: opt(str('SecretStore reference: env:NAME, file:/path, secretsmanager:<id>[#key], ssm:/name.')),
});

const protocols = checkedElsewhere({ type: 'array', items: { enum: [...SCRAPE_PROTOCOLS] } });

/** Scrape options global may set for every job (lib/config/scrape.ts' GLOBAL_SCRAPE_KEYS). */
export const globalScrapeEntries = {
  scrape_protocols: opt(protocols),
  scrape_native_histograms: opt(bool()),
  always_scrape_classic_histograms: opt(bool()),
  convert_classic_histograms_to_nhcb: opt(bool()),
};

const NOT_HERE = 'the gateway does not implement it';
export const scrapeJob = mapping({
  job_name: str(),
  scrape_interval: opt(duration()),
  scrape_timeout: opt(duration()),
  metrics_path: opt(str()),
  scheme: opt(str('http or https.')),
  params: opt(checkedElsewhere({ type: 'object', additionalProperties: { type: 'array', items: { type: ['string', 'number'] } } })),
  honor_labels: opt(bool()),
  honor_timestamps: opt(bool()),
  sample_limit: opt(int(0)),
  label_limit: opt(int(0)),
  label_name_length_limit: opt(int(0)),
  label_value_length_limit: opt(int(0)),
  body_size_limit: opt(checkedElsewhere({ type: ['string', 'integer'], description: 'A size like 10MB, 512KiB, or 0.' })),
  basic_auth: opt(mapping({ username: opt(str()), ...secret('password') })),
  authorization: opt(mapping({ type: opt(str()), ...secret('credentials') })),
  tls_config: opt(tls),
  relabel_configs: opt(relabelRules),
  metric_relabel_configs: opt(relabelRules),
  ...globalScrapeEntries,
  ...sdEntries,
  follow_redirects: opt(bool('Follow 3xx answers (at most 10). Default true, as in Prometheus.')),
  enable_http2: opt(noEffect(bool(), 'scrapes use HTTP/1.1')),
  proxy_url: opt(str('An http:// proxy; https targets are tunnelled with CONNECT.')),
  no_proxy: opt(str('Comma-separated hosts, domains (.example.com), IPs and CIDRs scraped directly; needs proxy_url. Loopback is never proxied then.')),
  proxy_from_environment: opt(bool('Use HTTP_PROXY, HTTPS_PROXY and NO_PROXY of the environment. Default false.')),
  proxy_connect_header: opt(noEffect(v.record(v.string(), v.unknown()), 'the proxy is not authenticated')),
  track_timestamps_staleness: opt(noEffect(bool(), "series with their own timestamps get no staleness markers (Prometheus' default)")),
  target_limit: opt(noEffect(int(0), NOT_HERE)),
  native_histogram_bucket_limit: opt(noEffect(int(0), 'native histograms are forwarded as scraped')),
  native_histogram_min_bucket_factor: opt(noEffect(checkedElsewhere({ type: 'number' }), 'native histograms are forwarded as scraped')),
  keep_dropped_targets: opt(noEffect(int(0), 'the gateway has no targets page')),
  fallback_scrape_protocol: opt(noEffect(str(), 'an unknown Content-Type is parsed as the Prometheus text format')),
  enable_compression: opt(noEffect(bool(), 'scrapes always send Accept-Encoding: gzip')),
  metric_name_validation_scheme: opt(noEffect(str(), 'names are forwarded as scraped')),
  metric_name_escaping_scheme: opt(noEffect(str(), 'names are forwarded as scraped')),
  scrape_failure_log_file: opt(noEffect(str(), 'scrape failures are logged to the function log')),
});

export const scrapeConfigFile = mapping({ scrape_configs: opt(list(scrapeJob)) });
