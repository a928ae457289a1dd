import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readGatewayConfig } from '../../../lib/config/schema.ts';
import { readGatewayConfigText } from '../../../lib/config/load.ts';
import { runCheckConfigCommand } from '../../../lib/cli/check-config.ts';
import { ConfigError } from '../../../lib/errors.ts';

const NO_AUTH = { auth: { mode: 'none' } };
const rw = (extra: Record<string, unknown>) => ({ ...NO_AUTH, remote_write: [{ url: 'http://vm/api/v1/write', ...extra }] });
const job = (extra: Record<string, unknown>) => ({ ...NO_AUTH, scrape_configs: [{ job_name: 'node', static_configs: [{ targets: ['127.0.0.1:9100'] }], ...extra }] });

function problems(raw: unknown): string[] {
  try {
    readGatewayConfig(raw);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
  return [];
}

describe("Prometheus 3's remote_write and scrape fields paste in", () => {
  const accepted = [
    { name: 'queue_config.max_shards', raw: rw({ queue_config: { max_shards: 50 } }), want: 'remote_write[0].queue_config.max_shards: accepted, no effect: there are no in-memory shards' },
    { name: 'queue_config.min_shards', raw: rw({ queue_config: { min_shards: 1 } }), want: 'remote_write[0].queue_config.min_shards: accepted, no effect: there are no in-memory shards' },
    { name: 'queue_config.capacity', raw: rw({ queue_config: { capacity: 10000 } }), want: 'remote_write[0].queue_config.capacity: accepted, no effect: samples wait in the queue' },
    { name: 'queue_config.batch_send_deadline', raw: rw({ queue_config: { batch_send_deadline: '5s' } }), want: 'remote_write[0].queue_config.batch_send_deadline: accepted, no effect: batches are queue messages' },
    { name: 'metadata_config', raw: rw({ metadata_config: { send: true, send_interval: '1m', max_samples_per_send: 500 } }), want: 'remote_write[0].metadata_config.send_interval: accepted, no effect' },
    { name: 'follow_redirects', raw: rw({ follow_redirects: true }), want: 'remote_write[0].follow_redirects: accepted, no effect' },
    { name: 'enable_http2', raw: rw({ enable_http2: false }), want: 'remote_write[0].enable_http2: accepted, no effect: the client speaks HTTP/1.1' },
    { name: 'no_proxy', raw: rw({ no_proxy: 'localhost' }), want: 'remote_write[0].no_proxy: accepted, no effect' },
    { name: 'proxy_from_environment', raw: rw({ proxy_from_environment: true }), want: 'remote_write[0].proxy_from_environment: accepted, no effect' },
    { name: 'proxy_connect_header', raw: rw({ proxy_connect_header: { 'X-A': ['b'] } }), want: 'remote_write[0].proxy_connect_header: accepted, no effect' },
    { name: 'round_robin_dns', raw: rw({ round_robin_dns: true }), want: 'remote_write[0].round_robin_dns: accepted, no effect' },
    { name: 'scrape enable_http2', raw: job({ enable_http2: true }), want: 'scrape_configs[0].enable_http2: accepted, no effect: scrapes use HTTP/1.1' },
    { name: 'scrape track_timestamps_staleness', raw: job({ track_timestamps_staleness: false }), want: 'scrape_configs[0].track_timestamps_staleness: accepted, no effect' },
    { name: 'scrape target_limit', raw: job({ target_limit: 10 }), want: 'scrape_configs[0].target_limit: accepted, no effect' },
    { name: 'scrape enable_compression', raw: job({ enable_compression: true }), want: 'scrape_configs[0].enable_compression: accepted, no effect' },
    { name: 'global.evaluation_interval', raw: { ...NO_AUTH, global: { evaluation_interval: '1m' } }, want: 'global.evaluation_interval: accepted, no effect: the gateway evaluates no rules' },
  ];
  for (const c of accepted) {
    it(`${c.name}: accepted with a one-line warning saying why`, () => {
      const { warnings } = readGatewayConfig(c.raw);
      assert.ok(warnings.some((w) => w.startsWith(c.want)), JSON.stringify(warnings));
      for (const w of warnings) assert.ok(!w.includes('\n'), w);
    });
  }

  it('a field without effect still has its type checked', () => {
    assert.ok(problems(rw({ queue_config: { max_shards: 'many' } })).includes('remote_write[0].queue_config.max_shards: must be a whole number, got string "many"'));
    assert.ok(problems(rw({ queue_config: { batch_send_deadline: 5 } })).some((p) => p.startsWith('remote_write[0].queue_config.batch_send_deadline: must be a duration')));
  });

  const refused = [
    { name: 'a key Prometheus does not know, with its path', raw: rw({ queue_config: { max_shard: 5 } }), want: 'remote_write[0].queue_config.max_shard: unknown field (allowed: max_samples_per_send, ' },
    { name: 'an unknown metadata_config key', raw: rw({ metadata_config: { sent: false } }), want: 'remote_write[0].metadata_config.sent: unknown field' },
    { name: 'an unknown scrape key', raw: job({ follow_redirect: true }), want: 'scrape_configs[0].follow_redirect: unknown field' },
    { name: 'azuread (documented by Prometheus, not supported)', raw: rw({ azuread: { cloud: 'AzurePublic' } }), want: 'remote_write[0].azuread: not supported by the gateway' },
    { name: 'google_iam (documented by Prometheus, not supported)', raw: rw({ google_iam: {} }), want: 'remote_write[0].google_iam: not supported by the gateway' },
  ];
  for (const c of refused) {
    it(`refuses ${c.name}`, () => {
      const got = problems(c.raw);
      assert.ok(got.some((p) => p.startsWith(c.want)), JSON.stringify(got));
    });
  }

  it('a config without such fields has no warnings', () => {
    assert.deepEqual(readGatewayConfig(rw({ queue_config: { max_samples_per_send: 500 } })).warnings, []);
  });

  it('sample_age_limit and metadata_config.send take effect (lib/delivery/sample-age.ts): read, no warning', () => {
    const { config, warnings } = readGatewayConfig(rw({ queue_config: { sample_age_limit: '10m' }, metadata_config: { send: false } }));
    assert.equal(config.remoteWrite[0]!.sampleAgeLimitMs, 600_000);
    assert.equal(config.remoteWrite[0]!.sendMetadata, false);
    assert.deepEqual(warnings, []);
    const plain = readGatewayConfig(rw({ queue_config: { sample_age_limit: '0s' }, metadata_config: { send: true } })).config.remoteWrite[0]!;
    assert.equal(plain.sampleAgeLimitMs, undefined);
    assert.equal(plain.sendMetadata, undefined);
  });

  it('unknown keys inside a scrape_config_files document are refused with their path', () => {
    const docs: Record<string, unknown> = { 'more.yml': { scrape_configs: [{ job_name: 'x', static_configs: [{ targets: ['a:1'] }], bogus: 1 }], extra: 1 } };
    let got: string[] = [];
    try {
      readGatewayConfig({ ...NO_AUTH, scrape_config_files: ['more.yml'] }, (f) => docs[f]);
    } catch (err) {
      got = (err as ConfigError).problems;
    }
    assert.ok(got.some((p) => p.startsWith('scrape_config_files[0] (more.yml) scrape_configs[0].bogus: unknown field')), JSON.stringify(got));
    assert.ok(got.some((p) => p.startsWith('scrape_config_files[0] (more.yml).extra: unknown field')), JSON.stringify(got));
  });

  it('gateway check-config prints the warnings on stderr and still exits 0', () => {
    const text = 'auth: {mode: none}\nremote_write: [{url: "http://a/w", name: a, queue_config: {max_shards: 5}}]\n';
    const r = runCheckConfigCommand(['w.yaml'], { readFile: () => text });
    assert.equal(r.exitCode, 0);
    assert.match(r.stderr, /^w\.yaml: warning: remote_write\[0\]\.queue_config\.max_shards: accepted, no effect: there are no in-memory shards/);
    assert.deepEqual(readGatewayConfigText(text).warnings.length, 1);
  });
});

describe('otlp and datadog keys in snake_case', () => {
  it('reads translation_strategy, promote_resource_attributes, promote_all_resource_attributes, target_info', () => {
    const { config, warnings } = readGatewayConfig({ ...NO_AUTH, otlp: { translation_strategy: 'NoTranslation', promote_resource_attributes: ['service.name'], promote_all_resource_attributes: false, target_info: false } });
    assert.deepEqual(config.otlp, { translationStrategy: 'NoTranslation', promoteResourceAttributes: ['service.name'], promoteAllResourceAttributes: false, targetInfo: false });
    assert.deepEqual(warnings, []);
  });
  it('reads sanitize_metric_name and prometheus_naming', () => {
    const { config, warnings } = readGatewayConfig({ ...NO_AUTH, datadog: { sanitize_metric_name: false, prometheus_naming: true } });
    assert.deepEqual(config.datadog, { sanitizeMetricName: false, prometheusNaming: true });
    assert.deepEqual(warnings, []);
  });
  it('accepts the old camelCase spellings with a deprecation warning each', () => {
    const { config, warnings } = readGatewayConfig({ ...NO_AUTH, otlp: { translationStrategy: 'NoTranslation', targetInfo: false }, datadog: { prometheusNaming: true } });
    assert.deepEqual(config.otlp, { translationStrategy: 'NoTranslation', targetInfo: false });
    assert.deepEqual(config.datadog, { prometheusNaming: true });
    assert.deepEqual(warnings.sort(), [
      'datadog.prometheusNaming: deprecated spelling, use prometheus_naming',
      'otlp.targetInfo: deprecated spelling, use target_info',
      'otlp.translationStrategy: deprecated spelling, use translation_strategy',
    ]);
  });
  it('refuses both spellings of one option', () => {
    assert.ok(problems({ ...NO_AUTH, otlp: { translationStrategy: 'NoTranslation', translation_strategy: 'NoTranslation' } }).some((p) => p.startsWith('otlp.translationStrategy: set as both translation_strategy and translationStrategy')));
    assert.ok(problems({ ...NO_AUTH, datadog: { prometheus_naming: true, prometheusNaming: false } }).some((p) => p.startsWith('datadog.prometheusNaming: set as both prometheus_naming and prometheusNaming')));
  });
  it('checks the new spellings like the old', () => {
    assert.ok(problems({ ...NO_AUTH, otlp: { translation_strategy: 'Dots' } }).some((p) => p.startsWith('otlp.translation_strategy: must be one of UnderscoreEscapingWithoutSuffixes')));
    assert.ok(problems({ ...NO_AUTH, otlp: { promote_resource_attributes: [''] } }).some((p) => p.startsWith('otlp.promote_resource_attributes')));
    assert.ok(problems({ ...NO_AUTH, datadog: { sanitize_metric_name: 'yes' } }).some((p) => p.startsWith('datadog.sanitize_metric_name: must be true or false')));
    assert.ok(problems({ ...NO_AUTH, otlp: { translation: 'x' } }).includes('otlp.translation: unknown option'));
  });
});
