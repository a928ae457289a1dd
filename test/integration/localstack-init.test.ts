import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { it } from 'node:test';
import { requireBinary } from '../helpers/services.ts';
import { awsBackends, type AwsEndpoint } from '../helpers/aws-backends.ts';

const HOOK = 'localstack/init/ready.d/10-metrics-gateway.sh';

/**
 * localstack/init/ready.d/10-metrics-gateway.sh creates the queue (1 MiB messages, DLQ redrive) and the
 * bucket the local runner uses, and running it twice (a LocalStack restart with persistence) is harmless.
 * In LocalStack it runs as LocalStack runs it: from <root>/etc/localstack/init/ready.d once LocalStack is
 * ready, with `awslocal` on PATH (here the AWS CLI at LocalStack's own GATEWAY_LISTEN). Against moto (or
 * AWS_ENDPOINT_URL) the test runs it with that `awslocal`.
 */
for (const backend of awsBackends()) {
  it(`the LocalStack init hook creates the queue with 1 MiB messages and a DLQ, and the bucket (${backend.name})`, { skip: backend.skip }, async (t) => {
    if (!requireBinary(t, 'aws', 'pip install awscli')) return;
    const bin = mkdtempSync(path.join(os.tmpdir(), 'awslocal-'));
    const creds = { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_DEFAULT_REGION: 'us-east-1', AWS_PAGER: '' };
    // Inside LocalStack the hook's environment is LocalStack's: GATEWAY_LISTEN names its address.
    writeFileSync(path.join(bin, 'awslocal'), '#!/bin/sh\nexec aws --endpoint-url="${AWSLOCAL_ENDPOINT:-http://$GATEWAY_LISTEN}" "$@"\n');
    chmodSync(path.join(bin, 'awslocal'), 0o755);
    let endpoint: AwsEndpoint | undefined;
    try {
      endpoint = backend.name === 'localstack' ? await backend.start({ readyHooks: [HOOK], path: [bin], env: creds }) : await backend.start();
      const env = { ...process.env, ...creds, PATH: `${bin}${path.delimiter}${process.env.PATH}`, AWSLOCAL_ENDPOINT: endpoint.url };
      if (backend.name === 'localstack') {
        const logs = (endpoint as unknown as { logs(): string }).logs();
        const ready = (await (await fetch(`${endpoint.url}/_localstack/init/ready`)).json()) as { scripts: { name: string; state: string }[] };
        assert.deepEqual(ready.scripts.map((s) => [s.name, s.state]), [['10-metrics-gateway.sh', 'SUCCESSFUL']], logs.slice(-3000));
      }
      for (let i = backend.name === 'localstack' ? 1 : 0; i < 2; i++) {
        const run = spawnSync('bash', [HOOK], { env, encoding: 'utf8' });
        assert.equal(run.status, 0, run.stderr);
        assert.match(run.stdout, /queue metrics-gateway \(MaximumMessageSize 1048576, DLQ metrics-gateway-dlq\) and bucket metrics-gateway ready/);
      }
      const aws = (...args: string[]) => JSON.parse(spawnSync('awslocal', [...args, '--output', 'json'], { env, encoding: 'utf8' }).stdout);
      const url = aws('sqs', 'get-queue-url', '--queue-name', 'metrics-gateway').QueueUrl as string;
      const attrs = aws('sqs', 'get-queue-attributes', '--queue-url', url, '--attribute-names', 'All').Attributes;
      assert.equal(attrs.MaximumMessageSize, '1048576');
      assert.equal(Number(JSON.parse(attrs.RedrivePolicy).maxReceiveCount), 5);
      assert.match(JSON.parse(attrs.RedrivePolicy).deadLetterTargetArn, /:metrics-gateway-dlq$/);
      assert.ok((aws('s3api', 'list-buckets').Buckets as { Name: string }[]).some((b) => b.Name === 'metrics-gateway'));
    } finally {
      await endpoint?.stop();
      rmSync(bin, { recursive: true, force: true });
    }
  });
}
