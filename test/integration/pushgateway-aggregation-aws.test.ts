import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
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
import { CounterRegistry, systemClock } from '../../lib/adapters/system.ts';
import { flushAggregation } from '../../lib/aggregation/durable/flush.ts';
import { aggregationSections, ingestAggregation } from '../../lib/compose/aggregate.ts';
import { ingestDeps } from '../../lib/compose/ingest.ts';
import { parseGatewayConfig } from '../../lib/config/schema.ts';
import { createIngest } from '../../lib/ingest/pipeline.ts';
import type { TimeSeries } from '../../lib/model/types.ts';
import { MemoryLogger, MemoryQueue } from '../helpers/fakes.ts';
import { awsBackends, type AwsEndpoint } from '../helpers/aws-backends.ts';
import { useFakeAwsCredentials } from '../helpers/services.ts';
import { ConsumerRounds, readConsumerStats, runFaultyConsumer } from '../helpers/faulty-consumer.ts';
import { CountingMetrics } from '../unit/aggregation/durable-helpers.ts';

/**
 * The Pushgateway aggregation mode through SQS FIFO and S3 on LocalStack (moto numbers FIFO messages at
 * random: docs/stream-aggregation.md, "Emulators"): pushes through the real ingest pipeline onto the FIFO
 * queue, the Lambda consumer's handler (functions/wiring/aggregate.ts) in child processes run as an event
 * source mapping would, one SIGKILLed after applying a batch and before deleting it, one handing batches
 * back (forced redelivery), all replaced in the middle, and the flush running all along: the last emitted
 * value of every counter is exactly the sum pushed and every gauge the last value.
 */
const CONFIG = { auth: { mode: 'none' }, remote_write: [{ url: 'http://unused.invalid/api/v1/write' }], pushgateway: { aggregation: { ttl: '10m', interval: '1s', shards: 3 } } };

if (process.env.PG_CONSUMER === '1') {
  await runFaultyConsumer('PG', aggregationSections(parseGatewayConfig(CONFIG)));
} else {
  const localstack = awsBackends().find((b) => b.name !== 'moto')!;
  describe(`Pushgateway aggregation mode through SQS FIFO and S3 (${localstack.name})`, { skip: localstack.skip }, () => {
    let endpoint: AwsEndpoint | undefined;
    const children = new Set<ChildProcess>();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgagg-aws-'));
    before(async () => {
      useFakeAwsCredentials();
      endpoint = await localstack.start();
    });
    after(async () => {
      for (const c of children) c.kill('SIGKILL');
      await endpoint?.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    test('N pushers x M pushes, a killed and a redelivering consumer, a restart: exact sums', { timeout: 240_000 }, async (t) => {
      const id = randomBytes(4).toString('hex');
      const region = 'us-east-1';
      const sqs = createSqsClient({ region, endpoint: endpoint!.url });
      const s3 = createS3Client({ region, endpoint: endpoint!.url });
      const bucket = `pgagg-${id}`;
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `pgagg-${id}.fifo`, Attributes: { FifoQueue: 'true', VisibilityTimeout: '2' } }));
      const store = new S3BlobStore(s3, bucket);
      const config = parseGatewayConfig(CONFIG);
      const d = { config, queue: new MemoryQueue(), blobs: store, clock: systemClock, logger: new MemoryLogger(), metrics: new CounterRegistry() };
      const ingest = createIngest({ ...ingestDeps(d), aggregation: ingestAggregation(config, new SqsMessageQueue(sqs, QueueUrl!, 256 * 1024))! });

      const stopFile = path.join(dir, `stop-${id}`);
      const env = { ...process.env, PG_CONSUMER: '1', PG_ENDPOINT: endpoint!.url, PG_QUEUE_URL: QueueUrl!, PG_BUCKET: bucket, PG_STOP: stopFile };
      const start = (extra: Record<string, string>): ChildProcess => {
        const c = spawn(process.execPath, [fileURLToPath(import.meta.url)], { env: { ...env, ...extra }, stdio: ['ignore', 'inherit', 'inherit'] });
        children.add(c);
        c.once('exit', () => children.delete(c));
        return c;
      };
      // Each round: a consumer that kills itself after applying its first batch, alone until it is gone; then one
      // that hands batches back.
      const consumers = new ConsumerRounds('PG', start, (round) => [{ PG_REDELIVER_P: '0.3', PG_SEED: `${round}2` }]);

      const out: TimeSeries[] = [];
      const flushDeps = { state: store, list: store, sections: aggregationSections(config), logger: new MemoryLogger(), metrics: new CountingMetrics(), send: async (s: TimeSeries[]) => void out.push(...s) };
      let flushing = true;
      const flusher = (async () => {
        while (flushing) {
          await flushAggregation(flushDeps, Date.now() - 500);
          await new Promise((r) => setTimeout(r, 300));
        }
      })();
      t.after(async () => {
        flushing = false;
        await flusher.catch(() => undefined);
      });

      const PUSHERS = 6;
      const PUSHES = 12;
      const jobs = ['etl', 'report', 'sync'];
      const want = new Map<string, number>();
      consumers.next();
      let pushes = 0;
      const pusher = async (p: number): Promise<void> => {
        const job = jobs[p % jobs.length]!;
        for (let k = 1; k <= PUSHES; k++) {
          const body = `# TYPE jobs_total counter\njobs_total ${p + 1}\n# TYPE depth gauge\ndepth ${k}\n`;
          const res = await ingest({ method: k % 2 ? 'PUT' : 'POST', path: `/metrics/job/${job}`, query: new URLSearchParams(), headers: {}, body: Buffer.from(body) });
          assert.equal(res.status, 200, String(res.body));
          want.set(job, (want.get(job) ?? 0) + p + 1);
          if (++pushes === (PUSHERS * PUSHES) / 2) {
            consumers.next();
          }
          await new Promise((r) => setTimeout(r, 30 + ((p * 37 + k * 11) % 50)));
        }
      };
      await Promise.all(Array.from({ length: PUSHERS }, (_, p) => pusher(p)));
      // The last value of every group's gauge: one more push per job, after all the others.
      for (const job of jobs) await ingest({ method: 'POST', path: `/metrics/job/${job}`, query: new URLSearchParams(), headers: {}, body: Buffer.from('# TYPE depth gauge\ndepth 99\n') });

      for (let waited = 0; ; waited += 500) {
        const a = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
        const left = Number(a.Attributes!.ApproximateNumberOfMessages) + Number(a.Attributes!.ApproximateNumberOfMessagesNotVisible);
        if (left === 0) break;
        if (waited > 120_000) assert.fail(`queue did not drain: ${left} messages left`);
        consumers.replaceExited(String(waited));
        await new Promise((r) => setTimeout(r, 500));
      }
      fs.writeFileSync(stopFile, '');
      flushing = false;
      await flusher;
      await Promise.all([...children].map((c) => new Promise((r) => (c.exitCode !== null ? r(undefined) : c.once('exit', r)))));
      await flushAggregation(flushDeps, Date.now() + 5_000);

      const last = (name: string): Map<string, number> => {
        const m = new Map<string, { t: number; v: number }>();
        for (const s of out) {
          if (s.labels.find((l) => l.name === '__name__')?.value !== name) continue;
          const job = s.labels.find((l) => l.name === 'job')!.value;
          for (const p of s.samples) if (!(m.get(job)?.t! >= p.timestamp)) m.set(job, { t: p.timestamp, v: p.value });
        }
        return new Map([...m].map(([k, { v }]) => [k, v]));
      };
      assert.deepEqual(last('jobs_total'), want);
      assert.deepEqual(last('depth'), new Map(jobs.map((j) => [j, 99])));
      const stats = readConsumerStats(stopFile);
      t.diagnostic(`consumers: ${JSON.stringify(stats)}, output series ${out.length}`);
      assert.ok(stats.killed > 0, 'a consumer must have been killed after applying');
      assert.ok(stats.skipped > 0, 'redeliveries must have happened and been skipped');
    });
  });
}
