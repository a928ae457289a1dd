#!/usr/bin/env node
/**
 * `npm run test:deploy` (issue 16, part 3; .ci/run runs it after `npm test`): the CDK stack deployed into
 * LocalStack with `cdklocal`, its functions running, without Docker.
 *
 * LocalStack runs on the host (python -m localstack.runtime.main from the venv .ci/run makes) with the
 * runtime-executor plugin in localstack/host-lambda: each Lambda environment is aws-lambda-rie plus
 * aws-lambda-ric on the host. `cdklocal bootstrap` and `cdklocal deploy -c ingestEndpoint=function-url`
 * deploy the real template (API Gateway v2 is LocalStack Pro only: the HTTP API path is covered by
 * test/integration/lambda-rie.test.ts with API Gateway v2 events instead). Then, with VictoriaMetrics and a
 * scrape target on loopback:
 *   - a push through the Function URL reaches VictoriaMetrics through SQS, the event source mapping and deliver;
 *   - a function error (the scrape function invoked with an invalid shard) comes back through the
 *     executor as Lambda reports it: X-Amz-Function-Error: Unhandled and the runtime's error object;
 *   - the EventBridge schedules invoke scrape (the target's samples arrive) and replay (an object parked
 *     under overflow/ is sent and deleted).
 * Everything it starts runs in its own process group and is stopped at the end, also on failure.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { blobKey } from '../lib/queue/bucket-keys.ts';
import { encodeTimeSeries } from '../lib/remote-write/encode.ts';
import { snappyCompress } from '../lib/remote-write/snappy.ts';
import { REPO_ROOT, RIC_ENTRY, RIC_INSTALL, RIC_NATIVE, run } from '../test/helpers/lambda-rie.ts';
import { haveBinary, haveLocalStack, LOCALSTACK_INSTALL, startLocalStack, startVictoriaMetrics, type LocalStack, type VictoriaMetrics } from '../test/helpers/services.ts';
import { builtToolPath } from '../test/helpers/tools.ts';

const RIE = builtToolPath('aws-lambda-rie');
const CDKLOCAL = path.join(REPO_ROOT, 'node_modules', '.bin', 'cdklocal');
const missing = [
  !existsSync(RIE) && `${RIE} (.ci/run builds it)`,
  !haveLocalStack() && `LocalStack (${LOCALSTACK_INSTALL})`,
  !haveBinary('victoria-metrics') && 'victoria-metrics',
  !existsSync(RIC_NATIVE) && `aws-lambda-ric's native client (${RIC_INSTALL})`,
  !existsSync(CDKLOCAL) && 'aws-cdk-local (npm ci)',
].filter(Boolean);
if (missing.length && process.env.CI === 'true') throw new Error(`required under CI=true: ${missing.join(', ')}`);

/** What LocalStack needs to run functions with the host executor (localstack/README.md). */
export function hostLambdaEnv(): Record<string, string> {
  return {
    PYTHONPATH: path.join(REPO_ROOT, 'localstack', 'host-lambda'),
    LAMBDA_RUNTIME_EXECUTOR: 'host-rie',
    GATEWAY_RIE_BIN: RIE,
    GATEWAY_RIE_NODE: process.execPath,
    GATEWAY_RIE_RIC: RIC_ENTRY,
  };
}

/** Polls check() until it returns a value (bounded by attempts, one per second); the last error explains a miss. */
async function eventually<T>(what: string, attempts: number, check: () => Promise<T | undefined>, logs: () => string = () => ''): Promise<T> {
  let last = '';
  for (let i = 0; i < attempts; i++) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = String(err);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`${what}: not seen after ${attempts} polls ${last}\n--- LocalStack (functions included) ---\n${logs().slice(-6000)}`);
}

/** A request to a LocalStack host name (Function URL) sent to LocalStack's loopback port: no DNS needed. */
function requestVia(localstack: LocalStack, url: string, init: { method: string; path: string; body: string; headers: Record<string, string> }): Promise<{ status: number; body: string }> {
  const host = new URL(url).host;
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: localstack.port, method: init.method, path: init.path, headers: { ...init.headers, host } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.setTimeout(120_000, () => req.destroy(new Error('timed out')));
    req.end(init.body);
  });
}

describe('the CDK stack deployed into LocalStack (cdklocal), functions on the host under RIE', { skip: missing.length > 0 && `missing: ${missing.join(', ')}` }, () => {
  let localstack: LocalStack | undefined;
  let vm: VictoriaMetrics | undefined;
  let target: http.Server | undefined;
  let work = '';
  let outputs: Record<string, string> = {};
  let awsEnv: NodeJS.ProcessEnv = {};
  const id = randomBytes(4).toString('hex');

  before(async () => {
    work = mkdtempSync(path.join(os.tmpdir(), 'gw-deploy-'));
    [localstack, vm] = await Promise.all([startLocalStack({ env: hostLambdaEnv() }), startVictoriaMetrics()]);
    target = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(`# TYPE deploy_target_jobs_total counter\ndeploy_target_jobs_total{run="${id}"} 3\n`));
    const targetPort = await new Promise<number>((resolve) => target!.listen(0, '127.0.0.1', () => resolve((target!.address() as net.AddressInfo).port)));
    const config = path.join(work, 'gateway.yaml');
    writeFileSync(config, ['auth: {mode: none}', 'remote_write:', `  - {name: vm, url: "${vm.url}/api/v1/write", queue_config: {min_backoff: 10ms, max_backoff: 100ms}}`, 'scrape_configs:', `  - {job_name: deploy-target, scrape_interval: 1m, static_configs: [{targets: ["127.0.0.1:${targetPort}"]}]}`, ''].join('\n'));
    // cdklocal: the project's aws-cdk (NODE_PATH) pointed at LocalStack; S3 needs its own endpoint variable.
    awsEnv = {
      ...process.env,
      AWS_ENDPOINT_URL: localstack.url,
      AWS_ENDPOINT_URL_S3: localstack.url,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      NODE_PATH: path.join(REPO_ROOT, 'node_modules'),
      CDK_DISABLE_VERSION_CHECK: '1',
      CDK_CLI_NOTICES: 'false',
    };
    await run(CDKLOCAL, ['bootstrap', 'aws://000000000000/us-east-1'], { env: awsEnv, timeoutMs: 300_000 });
    const outFile = path.join(work, 'outputs.json');
    const deploy = await run(CDKLOCAL, ['deploy', '--require-approval', 'never', '-c', `config=${config}`, '-c', 'ingestEndpoint=function-url', '-o', path.join(work, 'cdk.out'), '--outputs-file', outFile], { env: awsEnv, timeoutMs: 600_000 });
    // moto is no deploy test: its CloudFormation skips what LocalStack deploys. Say what LocalStack only stubbed.
    const stubs = [...new Set([...(deploy.stdout + deploy.stderr).matchAll(/Resource type (\S+) is not supported but was deployed as a fallback/g)].map((m) => m[1]))];
    process.stderr.write(`deployed; LocalStack stubbed: ${stubs.join(', ') || 'nothing'}\n`);
    outputs = (JSON.parse(readFileSync(outFile, 'utf8')) as Record<string, Record<string, string>>).MetricsGateway!;
  });

  after(async () => {
    target?.close();
    await localstack?.stop();
    await vm?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('deploys the function-url variant with every output', () => {
    for (const k of ['IngestFunctionUrl', 'QueueUrl', 'DeadLetterQueueUrl', 'BucketName']) assert.ok(outputs[k], `${k} in ${JSON.stringify(outputs)}`);
    assert.match(outputs.IngestFunctionUrl!, /lambda-url/);
  });

  it('a push through the Function URL reaches VictoriaMetrics through SQS and deliver', async () => {
    const lines = Array.from({ length: 50 }, (_, i) => `deploy_push,run=${id},host=h${i % 5} v=${i} ${1_795_262_400 + i}000000000`).join('\n');
    // LocalStack re-encodes application/x-www-form-urlencoded bodies (curl's default): text/plain, as Influx clients send.
    const res = await requestVia(localstack!, outputs.IngestFunctionUrl!, { method: 'POST', path: '/write?db=deploy', body: lines, headers: { 'content-type': 'text/plain' } });
    assert.equal(res.status, 204, res.body);
    const got = await eventually('the pushed samples in VictoriaMetrics', 120, async () => {
      const series = await vm!.exportSeries(`{__name__="deploy_push_v",run="${id}"}`);
      return series.reduce((n, s) => n + s.values.length, 0) === 50 ? series : undefined;
    }, localstack!.logs);
    assert.equal(got.length, 5);
    assert.equal(got[0]!.metric.db, 'deploy');
  });

  it('a function error comes back through the executor as Lambda reports it (X-Amz-Function-Error: Unhandled)', async () => {
    // The Lambda API (unsigned requests are LocalStack's default account and region).
    const list = (await (await fetch(`${localstack!.url}/2015-03-31/functions/`)).json()) as { Functions: { FunctionName: string; Description?: string }[] };
    const scrape = list.Functions.find((f) => f.Description === 'metrics gateway: scrape');
    assert.ok(scrape, JSON.stringify(list.Functions.map((f) => f.FunctionName)));
    const res = await fetch(`${localstack!.url}/2015-03-31/functions/${scrape.FunctionName}/invocations`, { method: 'POST', body: JSON.stringify({ shard: 5, shards: 1 }) });
    const body = await res.text();
    assert.equal(res.status, 200, body);
    assert.equal(res.headers.get('x-amz-function-error'), 'Unhandled', body);
    assert.match(JSON.parse(body).errorMessage, /shard 5 of 1 is not a valid shard index/);
  });

  it('the EventBridge schedules invoke replay (overflow/ drained into VictoriaMetrics) and scrape (the target scraped)', async () => {
    const s3 = new S3Client({ endpoint: localstack!.url, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    const bucket = outputs.BucketName!;
    const series = [{ labels: [{ name: '__name__', value: 'deploy_replayed' }, { name: 'run', value: id }], samples: [{ value: 5, timestamp: 1_795_262_400_000 }] }];
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: blobKey('overflow', 'vm', Date.now() - 60_000, `deploy-${id}`), Body: snappyCompress(encodeTimeSeries(series)), Metadata: { samples: '1' } }));
    // rate(1 minute): the first runs come within about two minutes of the deploy.
    await eventually('the replayed sample in VictoriaMetrics', 240, async () => ((await vm!.exportSeries(`{__name__="deploy_replayed",run="${id}"}`)).length === 1 ? true : undefined), localstack!.logs);
    assert.equal((await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'overflow/' }))).KeyCount ?? 0, 0, 'replay deleted the object after the 2xx');
    const scraped = await eventually('the scraped sample in VictoriaMetrics', 240, async () => {
      const s = await vm!.exportSeries(`{__name__="deploy_target_jobs_total",run="${id}"}`);
      return s.length ? s : undefined;
    }, localstack!.logs);
    assert.equal(scraped[0]!.metric.job, 'deploy-target');
    assert.ok(scraped[0]!.values.every((v) => v === 3));
  });
});
