import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { it } from 'node:test';
import { requireBinary, startMoto } from '../helpers/services.ts';

/**
 * localstack/init/ready.d/10-metrics-gateway.sh against moto, with `awslocal` played by the AWS CLI at the
 * moto endpoint: it creates the queue (1 MiB messages, DLQ redrive) and the bucket the local runner uses,
 * and running it twice (a LocalStack restart with persistence) is harmless.
 */
it('the LocalStack init hook creates the queue with 1 MiB messages and a DLQ, and the bucket', async (t) => {
  if (!requireBinary(t, 'moto_server', 'pip install "moto[server]"') || !requireBinary(t, 'aws', 'pip install awscli')) return;
  const moto = await startMoto();
  try {
    const bin = mkdtempSync(path.join(os.tmpdir(), 'awslocal-'));
    writeFileSync(path.join(bin, 'awslocal'), `#!/bin/sh\nexec aws --endpoint-url=${moto.url} "$@"\n`);
    chmodSync(path.join(bin, 'awslocal'), 0o755);
    const env = { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}`, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_DEFAULT_REGION: 'us-east-1', AWS_PAGER: '' };
    for (let i = 0; i < 2; i++) {
      const run = spawnSync('bash', ['localstack/init/ready.d/10-metrics-gateway.sh'], { env, encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stdout, /queue metrics-gateway \(MaximumMessageSize 1048576, DLQ metrics-gateway-dlq\) and bucket metrics-gateway ready/);
    }
    const aws = (...args: string[]) => JSON.parse(spawnSync('awslocal', [...args, '--output', 'json'], { env, encoding: 'utf8' }).stdout);
    const url = aws('sqs', 'get-queue-url', '--queue-name', 'metrics-gateway').QueueUrl as string;
    const attrs = aws('sqs', 'get-queue-attributes', '--queue-url', url, '--attribute-names', 'All').Attributes;
    assert.equal(attrs.MaximumMessageSize, '1048576');
    assert.equal(JSON.parse(attrs.RedrivePolicy).maxReceiveCount, 5);
    assert.match(JSON.parse(attrs.RedrivePolicy).deadLetterTargetArn, /:metrics-gateway-dlq$/);
    assert.ok((aws('s3api', 'list-buckets').Buckets as { Name: string }[]).some((b) => b.Name === 'metrics-gateway'));
  } finally {
    await moto.stop();
  }
});
