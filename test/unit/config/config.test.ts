import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadGatewayConfig } from '../../../lib/config/load.ts';
import { parseDuration } from '../../../lib/config/duration.ts';
import { ConfigError } from '../../../lib/errors.ts';

/** Every config must choose inbound auth; tests about other sections turn it off. */
const NO_AUTH = 'auth: {mode: none}\n';

function problems(yaml: string): string[] {
  try {
    loadGatewayConfig(NO_AUTH + yaml, 'g.yaml');
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
  return [];
}

describe('gateway.yaml', () => {
  it('the committed example is valid', () => {
    const c = loadGatewayConfig(readFileSync('gateway.yaml', 'utf8'));
    assert.equal(c.remoteWrite[0]!.url, 'http://localhost:8428/api/v1/write');
    assert.equal(c.queue.maxSamplesPerMessage, 10000);
  });

  it('defaults: Prometheus backoffs, 10k samples per send, 256 KiB messages', () => {
    const c = loadGatewayConfig(NO_AUTH + 'remote_write: [{url: "http://vm:8428/api/v1/write"}]');
    assert.deepEqual(c.remoteWrite[0]!.queue, { maxSamplesPerSend: 10000, minBackoffMs: 30, maxBackoffMs: 5000, retryOnHttp429: false });
    assert.equal(c.remoteWrite[0]!.name, 'vm_8428_api_v1_write');
    assert.equal(c.remoteWrite[0]!.remoteTimeoutMs, 30000);
    assert.equal(c.queue.maxMessageBytes, 262144);
  });

  it('max_samples_per_message defaults to the smallest max_samples_per_send', () => {
    const c = loadGatewayConfig(NO_AUTH + 'remote_write: [{url: "http://a/w", queue_config: {max_samples_per_send: 500}}, {url: "http://b/w"}]');
    assert.equal(c.queue.maxSamplesPerMessage, 500);
  });

  const bad: { name: string; yaml: string; want: string[] }[] = [
    { name: 'unknown top-level key', yaml: 'remote_writes: []', want: ['(root).remote_writes: unknown field'] },
    { name: 'missing url', yaml: 'remote_write: [{name: x}]', want: ['remote_write[0].url: required'] },
    { name: 'bad duration', yaml: 'remote_write: [{url: "http://a/w", queue_config: {max_backoff: 5}}]', want: ['remote_write[0].queue_config.max_backoff: must be a duration like 30s, 1m30s or 500ms, got number 5'] },
    { name: 'duplicate names', yaml: 'remote_write: [{url: "http://a/w", name: a}, {url: "http://b/w", name: a}]', want: ['remote_write[1].name: duplicate name "a"'] },
    { name: 'protected header', yaml: 'remote_write: [{url: "http://a/w", headers: {Content-Encoding: gzip}}]', want: ['remote_write[0].headers.Content-Encoding: is set by the remote_write protocol and cannot be overridden'] },
    { name: 'queue message size past SQS', yaml: 'queue: {max_message_bytes: 1048577}', want: ['queue.max_message_bytes: must be between 4096 and 1048576, got 1048577'] },
    { name: 'relabel rule problems with their paths', yaml: 'relabel_configs: [{action: replace, regex: "("}]', want: ['relabel_configs[0].target_label: required for action=replace', 'relabel_configs[0].regex: "(" : missing closing )'] },
    { name: 'write relabel problems with their paths', yaml: 'remote_write: [{url: "http://a/w", write_relabel_configs: [{action: hashmod, source_labels: [a], target_label: b}]}]', want: ['remote_write[0].write_relabel_configs[0]'] },
    { name: 'YAML syntax error with line and column', yaml: 'remote_write:\n  - url: [', want: ['g.yaml:3:'] },
  ];
  for (const c of bad) {
    it(`reports ${c.name}`, () => {
      const got = problems(c.yaml);
      for (const w of c.want) assert.ok(got.some((p) => p.startsWith(w)), `wanted ${w} in ${JSON.stringify(got)}`);
    });
  }

  it('reports every problem at once', () => {
    assert.equal(problems('remote_write: [{}, {url: 1}]\ningest: {max_body_bytes: -1}').length, 3);
  });

  it('limits: max_message_bytes at 1 MiB accepted', () => {
    assert.equal(loadGatewayConfig(NO_AUTH + 'queue: {max_message_bytes: 1048576}').queue.maxMessageBytes, 1048576);
  });

  it('parses Prometheus durations', () => {
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('0'), 0);
    assert.equal(parseDuration('5'), undefined);
    assert.equal(parseDuration(''), undefined);
  });
});
