import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DiskBlobStore } from '../../lib/adapters/local/disk-blob-store.ts';
import { DiskQueue } from '../../lib/adapters/local/disk-queue.ts';
import { applyAggregationBatch } from '../../lib/aggregation/durable/apply.ts';
import { flushAggregation } from '../../lib/aggregation/durable/flush.ts';
import { routeToShards } from '../../lib/aggregation/durable/route.ts';
import type { TimeSeries } from '../../lib/model/types.ts';
import { MemoryLogger } from '../helpers/fakes.ts';
import { CountingMetrics, rulesOf } from '../unit/aggregation/durable-helpers.ts';
import { tally } from '../unit/aggregation/durable-scenario.ts';
import { T0, ts } from '../unit/aggregation/helpers.ts';

/**
 * The local runner's durable aggregation: the disk queue (message groups) and the disk store (state with
 * compare-and-swap). Consumers run in child processes and are SIGKILLed after applying a batch and before
 * acknowledging it, several times; each restart takes the queue over (in-flight messages come back) and the
 * state's lock over (a killed owner's lock file). At the end every aggregated counter equals the sum pushed.
 */
const RULES_RAW = [
  { match: 'jobs_total', interval: '1m', by: ['job'], outputs: ['sum_samples_total', 'count_samples'], staleness_interval: '1h' },
  { match: 'work_seconds_total', interval: '1m', without: ['instance'], outputs: ['total'], ignore_first_sample_interval: '0s', staleness_interval: '1h' },
];

if (process.env.AGG_LOCAL_CONSUMER === '1') {
  const e = process.env;
  const queue = await DiskQueue.open(e.AGG_QUEUE_DIR!, { maxMessageBytes: 1024 * 1024, maxReceiveCount: 1000 });
  const store = new DiskBlobStore(e.AGG_STATE_DIR!);
  const deps = { state: store, blobs: store, sections: new Map([['global', rulesOf(RULES_RAW)]]), logger: new MemoryLogger(), metrics: new CountingMetrics() };
  let batches = 0;
  for (;;) {
    const msgs = await queue.receive(10, 200);
    if (msgs.length === 0) break;
    const res = await applyAggregationBatch(deps, msgs.map((m) => ({ messageId: m.messageId, body: m.body, attributes: m.attributes, groupId: m.groupId, sequenceNumber: m.messageId })));
    fs.appendFileSync(path.join(e.AGG_STATE_DIR!, '..', 'applied'), 'x'.repeat(res.applied));
    fs.appendFileSync(path.join(e.AGG_STATE_DIR!, '..', 'skipped'), 'x'.repeat(res.skipped));
    if (++batches === Number(e.AGG_KILL_AFTER ?? 0)) process.kill(process.pid, 'SIGKILL');
    const failed = new Set(res.failed);
    await queue.ack(msgs.filter((m) => !failed.has(m.messageId)));
    await queue.release(msgs.filter((m) => failed.has(m.messageId)), 0);
  }
} else {
  test('disk queue + disk store: consumers killed after applying and restarted; every counter exact', { timeout: 180_000 }, async (t) => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'agg-local-'));
    t.after(() => fs.rmSync(root, { recursive: true, force: true }));
    const queueDir = path.join(root, 'queue');
    const stateDir = path.join(root, 'data');
    const rules = rulesOf(RULES_RAW);
    const want = { increments: new Map<string, number>(), samples: new Map<string, number>(), cumulative: new Map<string, number>() };
    {
      const queue = await DiskQueue.open(queueDir, { maxMessageBytes: 1024 * 1024 });
      const jobs = ['etl', 'report', 'sync'];
      for (let k = 0; k < 10; k++) {
        for (let p = 0; p < 8; p++) {
          const job = jobs[p % 3]!;
          const inc = (p % 4) + 1;
          const at = T0 + 1000 + k * 5000 + p;
          const series = [ts('jobs_total', { job, instance: `i${p}` }, inc, at), ts('work_seconds_total', { job, instance: `i${p}` }, (k + 1) * inc, at)];
          const routed = routeToShards(rules, series, { section: 'global', shards: 3, now: at, nonce: `${p}.${k}`, pack: { maxMessageBytes: 1024 * 1024, maxSamples: 10_000, tenant: 'default', source: 'push', newSpoolKey: () => `spool/${p}/${k}` } });
          await queue.send(routed.messages);
          want.increments.set(job, (want.increments.get(job) ?? 0) + inc);
          want.samples.set(job, (want.samples.get(job) ?? 0) + 1);
          if (k === 9) want.cumulative.set(job, (want.cumulative.get(job) ?? 0) + 10 * inc);
        }
      }
    }
    const run = (killAfter: number): Promise<number | null> =>
      new Promise((resolve) => {
        const c = spawn(process.execPath, [fileURLToPath(import.meta.url)], { env: { ...process.env, AGG_LOCAL_CONSUMER: '1', AGG_QUEUE_DIR: queueDir, AGG_STATE_DIR: stateDir, AGG_KILL_AFTER: String(killAfter) }, stdio: ['ignore', 'inherit', 'inherit'] });
        c.once('exit', (code, signal) => resolve(signal === 'SIGKILL' ? null : code));
      });
    let kills = 0;
    for (const killAfter of [2, 3, 1, 4]) if ((await run(killAfter)) === null) kills++;
    assert.equal(await run(0), 0, 'the last consumer drains the queue');
    assert.equal(kills, 4);
    const out: TimeSeries[] = [];
    const store = new DiskBlobStore(stateDir);
    const flushDeps = { state: store, list: store, sections: new Map([['global', rules]]), logger: new MemoryLogger(), metrics: new CountingMetrics(), send: async (s: TimeSeries[]) => void out.push(...s) };
    for (let at = T0 + 60_000; at <= T0 + 180_000; at += 60_000) await flushAggregation(flushDeps, at);
    const got = tally(out);
    assert.deepEqual(got.increments, want.increments);
    assert.deepEqual(got.samples, want.samples);
    assert.deepEqual(got.cumulative, want.cumulative);
    const skipped = fs.existsSync(path.join(root, 'skipped')) ? fs.readFileSync(path.join(root, 'skipped'), 'utf8').length : 0;
    const applied = fs.readFileSync(path.join(root, 'applied'), 'utf8').length;
    t.diagnostic(`applied ${applied}, skipped as applied already ${skipped}`);
    assert.ok(skipped > 0, 'the killed consumers left applied messages to be redelivered');
  });
}
