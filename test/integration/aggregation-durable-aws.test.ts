import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { createSqsClient } from '../../lib/adapters/aws/clients.ts';
import { S3BlobStore } from '../../lib/adapters/aws/s3-blob-store.ts';
import { createS3Client } from '../../lib/adapters/aws/s3-client.ts';
import { SqsMessageQueue } from '../../lib/adapters/aws/sqs-queue.ts';
import { flushAggregation } from '../../lib/aggregation/durable/flush.ts';
import { routeToShards } from '../../lib/aggregation/durable/route.ts';
import type { TimeSeries } from '../../lib/model/types.ts';
import { MemoryLogger } from '../helpers/fakes.ts';
import { awsBackends, type AwsEndpoint } from '../helpers/aws-backends.ts';
import { useFakeAwsCredentials } from '../helpers/services.ts';
import { ConsumerRounds, readConsumerStats, runFaultyConsumer } from '../helpers/faulty-consumer.ts';
import { CountingMetrics, rulesOf } from '../unit/aggregation/durable-helpers.ts';
import { tally } from '../unit/aggregation/durable-scenario.ts';
import { ts } from '../unit/aggregation/helpers.ts';

/**
 * Durable stream aggregation on a real AWS endpoint emulator:
 *   - S3 conditional writes through S3BlobStore (If-Match / If-None-Match), on moto and LocalStack;
 *   - the whole path through SQS FIFO and S3: concurrent pushers, consumers in child processes that are
 *     SIGKILLed after applying and before deleting, that hand batches back (forced redelivery), that stall
 *     past the visibility timeout so a second consumer races them on the group, all consumers killed and
 *     restarted in the middle, and a flush running all along: every aggregated counter equals the sum pushed.
 * The FIFO part runs on LocalStack only: moto 5.2.5 gives FIFO messages random SequenceNumbers (AWS: they
 * grow within a message group, which the skip-applied rule relies on) and checks S3 preconditions without a
 * lock (two racing conditional writes can both succeed); docs/stream-aggregation.md has the details.
 */

const INTERVAL = '2s';
const RULES_RAW = [
  { match: 'jobs_total', interval: INTERVAL, by: ['job'], outputs: ['sum_samples_total', 'count_samples'], staleness_interval: '10m' },
  { match: 'work_seconds_total', interval: INTERVAL, without: ['instance'], outputs: ['total'], ignore_first_sample_interval: '0s', staleness_interval: '10m' },
];
const SHARDS = 3;

if (process.env.AGG_CONSUMER === '1') {
  await runFaultyConsumer('AGG', new Map([['global', rulesOf(RULES_RAW)]]));
} else {
  for (const backend of awsBackends()) {
    describe(`S3BlobStore conditional writes (${backend.name})`, { skip: backend.skip }, () => {
      let endpoint: AwsEndpoint | undefined;
      let store: S3BlobStore;
      before(async () => {
        useFakeAwsCredentials();
        endpoint = await backend.start();
        const s3 = createS3Client({ region: 'us-east-1', endpoint: endpoint.url });
        const bucket = `agg-cas-${randomBytes(4).toString('hex')}`;
        await s3.send(new CreateBucketCommand({ Bucket: bucket }));
        store = new S3BlobStore(s3, bucket);
      });
      after(async () => endpoint?.stop());

      test('create only when absent; write only at the ETag read; a stale ETag writes nothing', async () => {
        const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
        assert.equal(await store.getVersioned('state/aggregation/global/0'), undefined);
        const v1 = await store.putIfVersion('state/aggregation/global/0', enc('one'), undefined);
        assert.ok(v1);
        assert.equal(await store.putIfVersion('state/aggregation/global/0', enc('again'), undefined), undefined);
        const v2 = await store.putIfVersion('state/aggregation/global/0', enc('two'), v1);
        assert.ok(v2 && v2 !== v1);
        assert.equal(await store.putIfVersion('state/aggregation/global/0', enc('three'), v1), undefined);
        const cur = await store.getVersioned('state/aggregation/global/0');
        assert.equal(new TextDecoder().decode(cur!.body), 'two');
        assert.equal(cur!.version, v2);
        assert.equal(await store.putIfVersion('state/aggregation/global/1', enc('x'), v2), undefined, 'If-Match on a missing object');
      });
    });
  }

  const localstack = awsBackends().find((b) => b.name !== 'moto')!;
  describe(`durable aggregation through SQS FIFO and S3 (${localstack.name})`, { skip: localstack.skip }, () => {
    let endpoint: AwsEndpoint | undefined;
    const children = new Set<ChildProcess>();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'agg-aws-'));
    before(async () => {
      useFakeAwsCredentials();
      endpoint = await localstack.start();
    });
    after(async () => {
      for (const c of children) c.kill('SIGKILL');
      await endpoint?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    test('N pushers x M pushes with killed, stalled, redelivering and restarted consumers: every aggregated counter is exact', { timeout: 240_000 }, async (t) => {
      const id = randomBytes(4).toString('hex');
      const region = 'us-east-1';
      const sqs = createSqsClient({ region, endpoint: endpoint!.url });
      const s3 = createS3Client({ region, endpoint: endpoint!.url });
      const bucket = `agg-${id}`;
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `agg-${id}.fifo`, Attributes: { FifoQueue: 'true', VisibilityTimeout: '2' } }));
      const queue = new SqsMessageQueue(sqs, QueueUrl!, 256 * 1024);
      const store = new S3BlobStore(s3, bucket);
      const rules = rulesOf(RULES_RAW);
      const stopFile = path.join(dir, `stop-${id}`);
      const env = { ...process.env, AGG_CONSUMER: '1', AGG_ENDPOINT: endpoint!.url, AGG_QUEUE_URL: QueueUrl!, AGG_BUCKET: bucket, AGG_STOP: stopFile };
      const start = (extra: Record<string, string>): ChildProcess => {
        const c = spawn(process.execPath, [fileURLToPath(import.meta.url)], { env: { ...env, ...extra }, stdio: ['ignore', 'inherit', 'inherit'] });
        children.add(c);
        c.once('exit', () => children.delete(c));
        return c;
      };
      // Each round: a consumer that kills itself after applying its first batch, alone until it is gone; then one
      // that stalls past the visibility timeout and one that hands batches back.
      const consumers = new ConsumerRounds('AGG', start, (round): Record<string, string>[] => [
        { AGG_STALL_P: '0.2', AGG_SEED: `${round}2` },
        { AGG_REDELIVER_P: '0.3', AGG_SEED: `${round}3` },
      ]);

      // The flush, as the schedule would run it, all along (grace: half a second).
      const out: TimeSeries[] = [];
      const metrics = new CountingMetrics();
      const flushDeps = { state: store, list: store, sections: new Map([['global', rules]]), logger: new MemoryLogger(), metrics, send: async (s: TimeSeries[]) => void out.push(...s) };
      let flushing = true;
      const flusher = (async () => {
        while (flushing) {
          await flushAggregation(flushDeps, Date.now() - 500);
          await new Promise((r) => setTimeout(r, 300));
        }
      })();

      const PUSHERS = 6;
      const PUSHES = 16;
      const jobs = ['etl', 'report', 'sync'];
      const want = { increments: new Map<string, number>(), samples: new Map<string, number>(), cumulative: new Map<string, number>() };
      consumers.next();
      t.after(async () => {
        flushing = false;
        await flusher.catch(() => undefined);
      });
      let pushesDone = 0;
      let messagesSent = 0;
      const appliedSoFar = (): number => readConsumerStats(stopFile).applied;
      const pusher = async (p: number): Promise<void> => {
        const job = jobs[p % jobs.length]!;
        const inc = (p % 4) + 1;
        for (let k = 0; k < PUSHES; k++) {
          const now = Date.now();
          const series = [ts('jobs_total', { job, instance: `i${p}` }, inc, now), ts('work_seconds_total', { job, instance: `i${p}` }, (k + 1) * inc, now)];
          const routed = routeToShards(rules, series, { section: 'global', shards: SHARDS, now, nonce: `${p}.${k}`, pack: { maxMessageBytes: 256 * 1024, maxSamples: 10_000, tenant: 'default', source: 'push', newSpoolKey: () => `spool/${p}/${k}` } });
          await queue.send(routed.messages);
          messagesSent += routed.messages.length;
          want.increments.set(job, (want.increments.get(job) ?? 0) + inc);
          want.samples.set(job, (want.samples.get(job) ?? 0) + 1);
          if (++pushesDone === (PUSHERS * PUSHES) / 2) {
            // A restart in the middle: once the consumers are at work, every one is killed, whatever it was
            // doing, and new ones start.
            for (let waited = 0; appliedSoFar() === 0 && waited < 60_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
            consumers.next();
          }
          await new Promise((r) => setTimeout(r, 40 + ((p * 37 + k * 11) % 60)));
        }
        want.cumulative.set(job, (want.cumulative.get(job) ?? 0) + PUSHES * inc);
      };
      await Promise.all(Array.from({ length: PUSHERS }, (_, p) => pusher(p)));

      // Wait for the queue to drain (consumers that killed themselves are replaced).
      for (let waited = 0; ; waited += 500) {
        const a = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
        const left = Number(a.Attributes!.ApproximateNumberOfMessages) + Number(a.Attributes!.ApproximateNumberOfMessagesNotVisible);
        if (left === 0) break;
        if (waited > 120_000) assert.fail(`queue did not drain: ${left} messages left`);
        consumers.replaceExited(String(waited));
        await new Promise((r) => setTimeout(r, 500));
      }
      writeFileSync(stopFile, '');
      flushing = false;
      await flusher;
      await Promise.all([...children].map((c) => new Promise((r) => (c.exitCode !== null ? r(undefined) : c.once('exit', r)))));
      // Close every interval (a flush time past the last one).
      await flushAggregation(flushDeps, Date.now() + 5_000);

      const got = tally(out, INTERVAL);
      const counts = readConsumerStats(stopFile);
      // Before the sums, so a failure shows them (applications are counted by the consumer after its batch: a
      // consumer killed mid-batch applied more than it counted).
      t.diagnostic(`outputs ${out.length}, state conflicts seen by the flush ${metrics.sum('aggregation_state_conflicts_total')}, messages sent ${messagesSent}`);
      t.diagnostic(`consumers: ${JSON.stringify(counts)}`);
      assert.equal(counts.dropped, 0, 'every message sent is valid input: none may be dropped');
      assert.deepEqual(got.increments, want.increments);
      assert.deepEqual(got.samples, want.samples);
      assert.deepEqual(got.cumulative, want.cumulative);
      assert.ok(counts.skipped > 0, 'redeliveries must have happened and been skipped');
      assert.ok(counts.killed > 0, 'a consumer must have been killed after applying');
      // Each message is committed once: a consumer killed between its commit and its count makes this less, never more.
      assert.ok(counts.applied <= messagesSent, `${counts.applied} applications of ${messagesSent} messages`);
    });
  });
}
