import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseGatewayConfig } from '../../../lib/config/schema.ts';
import { DEFAULT_OVERFLOW_CAPS, DEFAULT_REPLAY } from '../../../lib/config/overflow.ts';
import { DEFAULT_SELF_METRICS } from '../../../lib/config/self-metrics.ts';

const rw = (extra: Record<string, unknown> = {}) => ({ remote_write: [{ name: 'vm', url: 'http://vm/api/v1/write', ...extra }] });

describe('overflow caps, replay and self_metrics config', () => {
  it('defaults', () => {
    const c = parseGatewayConfig({ auth: { mode: 'none' }, ...rw() });
    assert.deepEqual(c.remoteWrite[0]!.overflow, DEFAULT_OVERFLOW_CAPS);
    assert.equal(DEFAULT_OVERFLOW_CAPS.maxAgeMs, 14 * 86_400_000, 'matches the bucket lifecycle rule');
    assert.deepEqual(c.replay, DEFAULT_REPLAY);
    assert.deepEqual(c.selfMetrics, DEFAULT_SELF_METRICS);
  });

  it('reads every field', () => {
    const c = parseGatewayConfig({ auth: { mode: 'none' },
      ...rw({ overflow: { max_age: '2d', max_bytes: 1048576 } }),
      replay: { interval: '10s', concurrency: 4, max_objects_per_second: 20, max_bytes_per_second: 65536 },
      self_metrics: { enabled: false, interval: '30s', labels: { job: 'gw', env: 'prod' } },
    });
    assert.deepEqual(c.remoteWrite[0]!.overflow, { maxAgeMs: 2 * 86_400_000, maxBytes: 1048576 });
    assert.deepEqual(c.replay, { intervalMs: 10_000, concurrency: 4, maxObjectsPerSecond: 20, maxBytesPerSecond: 65536 });
    assert.deepEqual(c.selfMetrics, { enabled: false, intervalMs: 30_000, labels: { job: 'gw', env: 'prod' } });
  });

  const bad = [
    { name: 'unknown cap', input: rw({ overflow: { max_size: 1 } }), want: 'remote_write[0].overflow.max_size: unknown field' },
    { name: 'zero age', input: rw({ overflow: { max_age: '0' } }), want: 'remote_write[0].overflow.max_age: must be longer than 0' },
    { name: 'bad age', input: rw({ overflow: { max_age: 'forever' } }), want: 'remote_write[0].overflow.max_age: must be a duration' },
    { name: 'zero bytes', input: rw({ overflow: { max_bytes: 0 } }), want: 'remote_write[0].overflow.max_bytes: must be between 1 and' },
    { name: 'concurrency past 64', input: { replay: { concurrency: 65 } }, want: 'replay.concurrency: must be between 1 and 64, got 65' },
    { name: 'concurrency at 64 is fine', input: { replay: { concurrency: 64 } }, want: '' },
    { name: 'interval under 1s', input: { replay: { interval: '500ms' } }, want: 'replay.interval: must be at least 1s' },
    { name: 'byte rate under 1 KiB', input: { replay: { max_bytes_per_second: 1023 } }, want: 'replay.max_bytes_per_second: must be between 1024' },
    { name: 'unknown replay key', input: { replay: { rate: 1 } }, want: 'replay.rate: unknown field' },
    { name: 'reserved self label', input: { self_metrics: { labels: { instance: 'x' } } }, want: 'self_metrics.labels.instance: is set by the gateway' },
    { name: 'bad self label name', input: { self_metrics: { labels: { 'a-b': 'x' } } }, want: 'self_metrics.labels.a-b: must be a label name' },
  ];
  for (const t of bad) {
    it(`problem: ${t.name}`, () => {
      if (!t.want) return void parseGatewayConfig({ auth: { mode: 'none' }, ...(t.input as object) });
      assert.throws(() => parseGatewayConfig({ auth: { mode: 'none' }, ...(t.input as object) }), (e: Error & { problems?: string[] }) => (e.problems ?? [e.message]).some((p) => p.includes(t.want)));
    });
  }
});
