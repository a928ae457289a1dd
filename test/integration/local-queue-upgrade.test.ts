import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openBackends } from '../../lib/local/backends.ts';
import { startLocalRunner, type LocalRunner } from '../../lib/local/runner.ts';
import { parseGatewayConfig } from '../../lib/config/schema.ts';
import { haveBinary, startVictoriaMetrics, type VictoriaMetrics } from '../helpers/services.ts';
import { MemoryLogger } from '../helpers/fakes.ts';

/**
 * A user upgrades with messages still queued in their data dir: the previous release wrote them as layout 2
 * files holding the payload's base64 (test/fixtures/disk-queue/layout2, written by that release's own
 * packSeries and DiskQueue). This release queues bytes (layout 3) and must still deliver those.
 */
const available = haveBinary('victoria-metrics');
if (!available && process.env.CI === 'true') throw new Error('victoria-metrics is required under CI=true (apt-get install victoria-metrics)');

/** A runner whose queue directory starts as a copy of test/fixtures/disk-queue/<fixture>, delivering to its own VictoriaMetrics. */
function runnerOnFixture(fixture: string): { vm: VictoriaMetrics; runner: LocalRunner; dataDir: string } {
  const env = {} as { vm: VictoriaMetrics; runner: LocalRunner; dataDir: string };
  before(async () => {
    env.vm = await startVictoriaMetrics();
    env.dataDir = mkdtempSync(path.join(os.tmpdir(), `gw-upgrade-${fixture}-`));
    cpSync(path.join(import.meta.dirname, '../fixtures/disk-queue', fixture), path.join(env.dataDir, 'queue'), { recursive: true });
    const config = parseGatewayConfig({ auth: { mode: 'none' }, remote_write: [{ name: 'vm', url: `${env.vm.url}/api/v1/write` }] });
    const logger = new MemoryLogger();
    env.runner = await startLocalRunner({ config, backends: await openBackends({ kind: 'disk', dataDir: env.dataDir, maxMessageBytes: 262144, logger }), logger, host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await env.runner?.close();
    await env.vm?.stop();
    rmSync(env.dataDir, { recursive: true, force: true });
  });
  return env;
}

describe('local runner: messages queued by the previous release', { skip: !available && 'victoria-metrics not installed' }, () => {
  const env = runnerOnFixture('layout2');

  it('delivers a layout 2 message (base64 text body) to VictoriaMetrics and acknowledges it', async () => {
    assert.ok(await env.runner.drained(30_000), 'queue drained');
    assert.deepEqual(readdirSync(path.join(env.dataDir, 'queue', 'ready')), []);
    assert.deepEqual(readdirSync(path.join(env.dataDir, 'queue', 'dead')), []);
    const got = await env.vm.exportSeries('{__name__="upgrade_fixture"}');
    assert.deepEqual(
      got.map((s) => [s.metric, s.values, s.timestamps]),
      [0, 1, 2].map((i) => [{ __name__: 'upgrade_fixture', job: 'layout2', n: String(i) }, [i + 0.5, i * 10], [1_700_000_000_000 + i, 1_700_000_060_000 + i]]),
    );
  });
});

/**
 * The same for the release before s24 (main at aaa4368): layout 3 message files (bytes bodies), one held by the
 * consumer when it stopped (in inflight/, count 1 in receives.log), one of a message group
 * (test/fixtures/disk-queue/layout3, written by that release's own packSeries and DiskQueue). This release keeps
 * held messages in memory only and writes commit files: those messages must still all arrive.
 */
describe('local runner: messages queued by the release before s24 (layout 3, inflight/)', { skip: !available && 'victoria-metrics not installed' }, () => {
  const env = runnerOnFixture('layout3');

  it('delivers the held, the grouped and the waiting message to VictoriaMetrics and acknowledges them', async () => {
    assert.ok(await env.runner.drained(30_000), 'queue drained');
    for (const sub of ['ready', 'inflight', 'dead']) assert.deepEqual(readdirSync(path.join(env.dataDir, 'queue', sub)), [], sub);
    const got = await env.vm.exportSeries('{__name__="upgrade_fixture"}');
    const want = ['layout3-group', 'layout3-inflight', 'layout3-ready'].flatMap((job) => [0, 1, 2].map((i) => [{ __name__: 'upgrade_fixture', job, n: String(i) }, [i + 0.5, i * 10], [1_700_000_000_000 + i, 1_700_000_060_000 + i]]));
    const key = (s: unknown[]): string => JSON.stringify(s[0]);
    assert.deepEqual(
      got.map((s) => [s.metric, s.values, s.timestamps]).sort((a, b) => (key(a) < key(b) ? -1 : 1)),
      want.sort((a, b) => (key(a) < key(b) ? -1 : 1)),
    );
  });
});
