import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { loadGatewayConfig } from '../../../lib/config/load.ts';
import { isPreparedConfig, prepareConfig, restorePreparedConfig, PREPARED_FORMAT } from '../../../lib/config/prepared.ts';
import type { GatewayConfig } from '../../../lib/config/schema.ts';
import { applyRelabel } from '../../../lib/relabel/apply.ts';
import type { CompiledRelabel } from '../../../lib/relabel/types.ts';

// Every section, so a field JSON cannot carry (a bigint, Infinity, a Map) shows up as a difference.
const RICH = `
auth:
  mode: required
  bearer_tokens: [{token_ref: "env:T1", tenant: team-a, extra_labels: {team: a}}]
  basic_auth: [{username: u, password_ref: "env:P", tenant: team-b}]
global:
  external_labels: {cluster: c1}
  scrape_interval: 30s
relabel_configs:
  - {source_labels: [instance], regex: '(.*):\\d+', target_label: host}
  - {action: hashmod, source_labels: [host], modulus: 8, target_label: shard}
  - {action: labeldrop, regex: 'tmp_.*'}
remote_write:
  - name: vm
    url: http://vm:8428/api/v1/write
    headers: {X-Scope-OrgID: t1}
    write_relabel_configs: [{source_labels: [__name__], regex: 'go_.*', action: drop}]
    queue_config: {max_samples_per_send: 500, min_backoff: 50ms, max_backoff: 10s, retry_on_http_429: true}
    overflow: {max_age: 24h}
  - name: amp
    url: https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write
    sigv4: {region: eu-west-1}
  - name: mimir
    url: https://mimir.example/api/v1/push
    oauth2: {client_id: gw, client_secret_ref: "env:CS", token_url: https://idp.example/token, scopes: [write]}
    tls_config: {insecure_skip_verify: false}
ingest: {max_body_bytes: 1048576, max_labels_per_series: 40}
queue: {max_message_bytes: 1048576, ordered: true, shards: 4}
replay: {max_objects_per_second: 20}
self_metrics: {enabled: true}
otlp: {translationStrategy: NoTranslation, promoteResourceAttributes: [service.name]}
datadog: {prometheusNaming: true}
scrape_configs:
  - job_name: node
    scrape_timeout: 10s
    params: {module: [http_2xx]}
    static_configs: [{targets: ['n1:9100', 'n2:9100'], labels: {dc: a}}]
    file_sd_configs: [{files: ['targets/*.json'], refresh_interval: 1m}]
    http_sd_configs: [{url: http://sd.example/targets}]
    ec2_sd_configs: [{region: eu-west-1, port: 9100}]
    relabel_configs: [{source_labels: [__address__], target_label: instance}]
    metric_relabel_configs: [{source_labels: [__name__], regex: 'node_scrape_.*', action: drop}]
`;

/** The config as plain data: rule lists by their source, no undefined-valued keys (JSON has none). */
function plain(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v !== 'object' || v === null) return v;
  if (Object.keys(v).every((k) => k === 'rules' || k === 'source') && Array.isArray((v as CompiledRelabel).rules)) {
    const r = v as CompiledRelabel;
    return { relabel: r.source ?? null, rules: r.rules.length };
  }
  if (v instanceof Map || v instanceof Set) return { unexpected: v.constructor.name };
  return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => [k, plain(x)]));
}

async function roundTrip(c: GatewayConfig): Promise<GatewayConfig> {
  const doc: unknown = JSON.parse(prepareConfig(c));
  assert.ok(isPreparedConfig(doc));
  return restorePreparedConfig(doc);
}

describe('prepared config (gateway.json as bundled)', () => {
  for (const [name, text] of [
    ['the example gateway.yaml', readFileSync('gateway.yaml', 'utf8')],
    ['a config using every section', RICH],
    ['the minimal config', 'auth: {mode: none}\n'],
  ] as const) {
    it(`${name} comes back equal, rules recompiled`, async () => {
      const original = loadGatewayConfig(text);
      const restored = await roundTrip(original);
      assert.deepStrictEqual(plain(restored), plain(original));
    });
  }

  it('restored rules behave as the originals', async () => {
    const original = loadGatewayConfig(RICH);
    const restored = await roundTrip(original);
    const labels = [{ name: '__name__', value: 'up' }, { name: 'instance', value: 'web-1:9100' }, { name: 'tmp_x', value: '1' }];
    assert.deepEqual(applyRelabel(restored.relabel, labels), applyRelabel(original.relabel, labels));
    assert.deepEqual(applyRelabel(restored.relabel, labels)?.find((l) => l.name === 'host')?.value, 'web-1');
    const go = [{ name: '__name__', value: 'go_gc' }];
    assert.equal(applyRelabel(restored.remoteWrite[0]!.writeRelabel, go), undefined);
    assert.equal(restored.scrape[0]!.metricRelabel.rules.length, 1);
  });

  it('is marked with its format; anything else is not taken for one', () => {
    const doc = JSON.parse(prepareConfig(loadGatewayConfig('auth: {mode: none}\n'))) as { format: string };
    assert.equal(doc.format, PREPARED_FORMAT);
    assert.equal(isPreparedConfig({ auth: { mode: 'none' } }), false);
    assert.equal(isPreparedConfig({ format: 'metrics-gateway/prepared-config/0', config: {} }), false);
  });
});
