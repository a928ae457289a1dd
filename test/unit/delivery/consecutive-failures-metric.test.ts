import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CONSECUTIVE_FAILURES_METRIC, DestinationHealth } from '../../../lib/delivery/destination-health.ts';
import { EmfFlusher } from '../../../lib/observability/emf.ts';
import { SelfSeriesExporter } from '../../../lib/observability/self-series.ts';
import { CounterRegistry } from '../../../lib/adapters/system.ts';
import { FakeClock, MemoryLogger } from '../../helpers/fakes.ts';

/**
 * gateway_remote_write_consecutive_failures{destination} goes up and down (a gauge, Metrics.set, in the same
 * registry as the counters): /metrics and the gateway_* series show its value, EMF its current value.
 */
describe('gateway_remote_write_consecutive_failures', () => {
  const ctx = { via: 'deliver', data: 'x' } as const;
  function setup() {
    const clock = new FakeClock();
    const metrics = new CounterRegistry();
    const h = new DestinationHealth('vm', { clock, logger: new MemoryLogger(), metrics });
    return { clock, metrics, h };
  }

  it('renders on /metrics as the current streak, and 0 after a 2xx', () => {
    const { metrics, h } = setup();
    for (let i = 0; i < 4; i++) h.record({ kind: 'failed', reason: 'HTTP 503' }, ctx);
    assert.match(metrics.render(), /^gateway_remote_write_consecutive_failures\{destination="vm"\} 4$/m);
    h.record({ kind: 'ok' }, ctx);
    assert.match(metrics.render(), /^gateway_remote_write_consecutive_failures\{destination="vm"\} 0$/m);
  });

  it('EMF carries the current value while it is not 0, then one 0; counters beside it still carry increments', () => {
    const { metrics, h } = setup();
    const emf = new EmfFlusher({ function: 'deliver' });
    const value = (lines: string[]): number | undefined => lines.map((l) => JSON.parse(l)).find((d) => `gateway_${CONSECUTIVE_FAILURES_METRIC}` in d)?.[`gateway_${CONSECUTIVE_FAILURES_METRIC}`];
    h.record({ kind: 'failed', reason: 'HTTP 503' }, ctx);
    h.record({ kind: 'failed', reason: 'HTTP 503' }, ctx);
    assert.equal(value(emf.flush(metrics.snapshot(), 1)), 2);
    assert.equal(value(emf.flush(metrics.snapshot(), 2)), 2, 'unchanged but not 0: written again (keeps an alarm fed)');
    h.record({ kind: 'failed', reason: 'HTTP 503' }, ctx);
    assert.equal(value(emf.flush(metrics.snapshot(), 3)), 3, 'the value, not the increment');
    h.record({ kind: 'ok' }, ctx);
    assert.equal(value(emf.flush(metrics.snapshot(), 4)), 0, 'the return to 0 is written once');
    assert.deepEqual(emf.flush(metrics.snapshot(), 5), [], 'then nothing');
  });

  it('the gateway_* series carry the value as is', () => {
    const { metrics, h } = setup();
    const x = new SelfSeriesExporter({ intervalMs: 1, labels: { job: 'gw' }, startedAt: 0 });
    h.record({ kind: 'failed', reason: 'HTTP 503' }, ctx);
    h.record({ kind: 'failed', reason: 'HTTP 503' }, ctx);
    assert.deepEqual(x.collect(metrics.snapshot(), 10).map((s) => s.samples.at(-1)!.value), [2]);
    h.record({ kind: 'ok' }, ctx);
    assert.deepEqual(x.collect(metrics.snapshot(), 20).map((s) => s.samples.at(-1)!.value), [0]);
  });
});
