import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { openBackends } from '../../lib/local/backends.ts';
import { startLocalRunner, type LocalRunner } from '../../lib/local/runner.ts';
import { parseGatewayConfig } from '../../lib/config/schema.ts';
import { startVictoriaMetrics, useFakeAwsCredentials, type VictoriaMetrics } from '../helpers/services.ts';
import { awsBackends, type AwsEndpoint } from '../helpers/aws-backends.ts';
import { MemoryLogger } from '../helpers/fakes.ts';

/** `AWS_ENDPOINT_URL=... npm start`: the same runner on SQS and S3 (moto and LocalStack, or only AWS_ENDPOINT_URL when set). */
for (const backend of awsBackends(['victoria-metrics'])) describe(`local runner in AWS mode (SQS + S3) end to end (${backend.name})`, { skip: backend.skip }, () => {
  let endpoint: AwsEndpoint | undefined;
  let vm: VictoriaMetrics;
  let runner: LocalRunner;

  before(async () => {
    useFakeAwsCredentials();
    [endpoint, vm] = await Promise.all([backend.start(), startVictoriaMetrics()]);
    const id = randomBytes(4).toString('hex');
    const config = parseGatewayConfig({ auth: { mode: 'none' }, remote_write: [{ name: 'vm', url: `${vm.url}/api/v1/write` }] });
    const logger = new MemoryLogger();
    const backends = await openBackends({ kind: 'aws', endpoint: endpoint.url, queueName: `gw-e2e-${id}`, bucket: `gw-e2e-${id}`, maxMessageBytes: 256 * 1024 });
    runner = await startLocalRunner({ config, backends, logger, host: '127.0.0.1', port: 0 });
  });

  after(async () => {
    await runner?.close();
    await vm?.stop();
    await endpoint?.stop();
  });

  it('Influx push goes through SQS to VictoriaMetrics with every sample', async () => {
    const lines = Array.from({ length: 300 }, (_, i) => `aws_mode,host=h${i % 3} v=${i} ${1_700_000_000_000 + i * 1000}000000`);
    const res = await fetch(`${runner.url}/write`, { method: 'POST', body: lines.join('\n') });
    assert.equal(res.status, 204, await res.text());
    let total = 0;
    for (let i = 0; i < 100 && total < 300; i++) {
      await new Promise((r) => setTimeout(r, 200));
      total = (await vm.exportSeries('{__name__="aws_mode_v"}')).reduce((n, s) => n + s.values.length, 0);
    }
    assert.equal(total, 300);
    const got = await vm.exportSeries('{__name__="aws_mode_v",host="h1"}');
    assert.deepEqual(got[0]!.values, Array.from({ length: 100 }, (_, k) => 3 * k + 1));
  });
});
