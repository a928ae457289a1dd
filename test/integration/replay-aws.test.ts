import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { openBackends } from '../../lib/local/backends.ts';
import { startLocalRunner, type LocalRunner } from '../../lib/local/runner.ts';
import { parseGatewayConfig } from '../../lib/config/schema.ts';
import { freePort, startVictoriaMetrics, useFakeAwsCredentials, type VictoriaMetrics } from '../helpers/services.ts';
import { awsBackends, type AwsEndpoint } from '../helpers/aws-backends.ts';
import { MemoryLogger } from '../helpers/fakes.ts';

/**
 * Overflow and replay on S3 (moto and LocalStack, or only AWS_ENDPOINT_URL when set): the receiver is down
 * while data is pushed, so it parks under overflow/ in the bucket; once it is up, replay lists, sends and deletes.
 */
for (const backend of awsBackends(['victoria-metrics'])) describe(`replay on SQS + S3 (${backend.name})`, { skip: backend.skip }, () => {
  let endpoint: AwsEndpoint | undefined;
  let vm: VictoriaMetrics | undefined;
  let runner: LocalRunner | undefined;
  after(async () => {
    await runner?.close();
    await vm?.stop();
    await endpoint?.stop();
  });

  it('data parked in S3 while the receiver is down is replayed exactly once and deleted', async () => {
    useFakeAwsCredentials();
    endpoint = await backend.start();
    const port = await freePort();
    const id = randomBytes(4).toString('hex');
    const config = parseGatewayConfig({ auth: { mode: 'none' },
      remote_write: [{ name: 'vm', url: `http://127.0.0.1:${port}/api/v1/write`, queue_config: { min_backoff: '10ms', max_backoff: '100ms', max_samples_per_send: 100 } }],
      queue: { max_samples_per_message: 100 },
      self_metrics: { enabled: false },
    });
    const backends = await openBackends({ kind: 'aws', endpoint: endpoint.url, queueName: `gw-replay-${id}`, bucket: `gw-replay-${id}`, maxMessageBytes: 256 * 1024 });
    runner = await startLocalRunner({ config, backends, logger: new MemoryLogger(), host: '127.0.0.1', port: 0, deliverTimeoutMs: 3000, replayIntervalMs: 3_600_000 });
    const lines = Array.from({ length: 1000 }, (_, i) => `s3_replay,host=h${i % 4} v=${i} ${1_700_300_000_000 + i * 1000}000000`);
    const res = await fetch(`${runner.url}/write`, { method: 'POST', body: lines.join('\n') });
    assert.equal(res.status, 204, await res.text());
    for (let i = 0; i < 300 && runner.metrics.get('delivery_overflow_samples_total', { destination: 'vm' }) < 1000; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(runner.metrics.get('delivery_overflow_samples_total', { destination: 'vm' }), 1000);
    const parked = await backends.blobs.list('overflow/vm/');
    // One object per message; a series stays whole, so each holds one host's 250 samples: replay sends it in chunks of 100.
    assert.equal(parked.length, 4);

    vm = await startVictoriaMetrics(port);
    const [r] = await runner.schedules.replayNow();
    assert.deepEqual(r, { destination: 'vm', replayed: parked.length, rejected: 0, left: 0 });
    assert.deepEqual(await backends.blobs.list('overflow/'), []);
    const got = await vm.exportSeries('{__name__="s3_replay_v"}');
    assert.equal(got.reduce((n, s) => n + s.values.length, 0), 1000);
    assert.deepEqual(got.find((s) => s.metric.host === 'h1')!.values, Array.from({ length: 250 }, (_, k) => 4 * k + 1));
  });
});
