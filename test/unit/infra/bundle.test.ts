import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { buildSync, type Metafile } from 'esbuild';
import { BUNDLE_FILE, REPO_ROOT, bundleFunction, esbuildOptions } from '../../../infra/constructs/bundle.ts';
import { loadedAtStart } from '../../../infra/constructs/merge-init.ts';
import { ReadableStream as ShimReadableStream } from '../../../infra/constructs/stream-web-shim.ts';

const scratch: string[] = [];
after(() => scratch.forEach((d) => rmSync(d, { recursive: true, force: true })));
function temp(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'gw-bundle-test-'));
  scratch.push(d);
  return d;
}

/** The source files a cold start compiles: the entry and the chunks it imports statically, transitively. */
function staticInputs(entry: string): { inputs: string[]; externals: string[] } {
  const outdir = temp();
  const { metafile } = buildSync({ ...esbuildOptions(path.join(REPO_ROOT, entry), outdir), metafile: true, write: false }) as { metafile: Metafile };
  const outputs = metafile.outputs;
  const seen = loadedAtStart(metafile, BUNDLE_FILE);
  const externals = new Set(seen.flatMap((k) => outputs[k]!.imports.filter((i) => i.kind === 'import-statement' && i.external).map((i) => i.path)));
  return { inputs: seen.flatMap((k) => Object.keys(outputs[k]!.inputs)), externals: [...externals] };
}

describe('ingest bundle: what a cold start compiles', () => {
  const { inputs, externals } = staticInputs('functions/ingest.ts');

  // A protocol's index.ts is static data (its routes), read at init by the router: not code.
  it('no protocol code, decoder, config validator, relabel compiler or optional engine is imported at load', () => {
    const banned = [/^lib\/config\/(schema|scrape|remote-write-auth|check|load|load-json)\.ts$/, /^lib\/relabel\/(compile|rules|regex|validate)\.ts$/, /node_modules\/re2js\//, /node_modules\/yaml\//, /node_modules\/protobufjs\//, /node_modules\/long\//, /node_modules\/@aws-sdk\/client-s3\//, /^lib\/remote-write\/decode\.ts$/, /^lib\/ingest\/(?![\w-]+\/index\.ts$)(influx|otlp\/(?!options|naming)|datadog\/(?!options)|jsonline|csv|opentsdb|graphite|prometheus|pushgateway|remote-write)/];
    const hits = inputs.filter((f) => banned.some((b) => b.test(f)));
    assert.deepEqual(hits, []);
  });

  it('the router, pipeline and SQS client are (the test above is not vacuous)', () => {
    for (const f of ['lib/ingest/routes.ts', 'lib/ingest/pipeline.ts', 'lib/queue/envelope.ts']) assert.ok(inputs.includes(f), f);
    assert.ok(inputs.some((f) => f.includes('node_modules/@aws-sdk/client-sqs/')));
  });

  it('Node\'s web streams are not loaded for middy', () => {
    assert.ok(!externals.includes('node:stream/web'), externals.join(' '));
    assert.ok(inputs.includes('infra/constructs/stream-web-shim.ts'));
  });
});

describe('stream-web-shim', () => {
  it('recognises what the real ReadableStream does', () => {
    assert.equal(new ReadableStream() instanceof ShimReadableStream, true);
    assert.equal({} instanceof ShimReadableStream, false);
    assert.equal(('body' as unknown) instanceof ShimReadableStream, false);
  });
  it('@middy/core uses ReadableStream only with instanceof (the shim offers nothing else)', () => {
    const src = readFileSync(path.join(REPO_ROOT, 'node_modules', '@middy', 'core', 'index.js'), 'utf8');
    const uses = src.split('\n').filter((l) => /\bReadableStream\b/.test(l) && !/^\s*(\/\/|\*)/.test(l));
    assert.ok(uses.length >= 2, 'middy still imports and checks ReadableStream');
    for (const l of uses) assert.match(l, /import \{ ReadableStream \} from "node:stream\/web"|instanceof ReadableStream|not a ReadableStream/, l);
  });
});

describe('bundleFunction', () => {
  const config = 'auth: {mode: none}\n';
  it('writes source maps unless told not to', () => {
    const mapped = temp();
    bundleFunction(path.join(REPO_ROOT, 'functions', 'ingest.ts'), mapped, config);
    assert.ok(readdirSync(mapped).includes('index.mjs.map'));
    const plain = temp();
    bundleFunction(path.join(REPO_ROOT, 'functions', 'ingest.ts'), plain, config, {}, { sourceMaps: false });
    assert.deepEqual(readdirSync(plain, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.map')), []);
  });

  it('a bundled function with a regex only RE2 runs loads the engine chunk during init and serves', () => {
    const dir = temp();
    const yaml = `${config}relabel_configs:\n  - {source_labels: [instance], regex: '(.*):\\d+', target_label: host}\n  - {regex: 'tmp_(.+)', action: labelmap}\n`;
    bundleFunction(path.join(REPO_ROOT, 'functions', 'ingest.ts'), dir, yaml);
    const event = (p: string, method = 'GET') => ({ version: '2.0', rawPath: p, rawQueryString: '', headers: {}, requestContext: { http: { method, path: p } }, isBase64Encoded: false });
    const script = `
      const m = await import(${JSON.stringify(path.join(dir, BUNDLE_FILE))});
      const ping = await m.handler(${JSON.stringify(event('/ping'))}, {});
      const none = await m.handler(${JSON.stringify(event('/nope'))}, {});
      process.stdout.write(JSON.stringify([ping.statusCode, none.statusCode]));`;
    const env = { PATH: process.env.PATH ?? '', AWS_LAMBDA_FUNCTION_NAME: 'test', GATEWAY_CONFIG: path.join(dir, 'gateway.json'), QUEUE_URL: 'http://127.0.0.1:9/000000000000/q', BUCKET: 'b', AWS_REGION: 'us-east-1', LOG_LEVEL: 'error' };
    const res = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, env, encoding: 'utf8', timeout: 60_000 });
    assert.equal(res.status, 0, res.stderr);
    assert.deepEqual(JSON.parse(res.stdout.trim().split('\n').at(-1)!), [204, 404]);
  });

  it('deliver whose decoder cannot load fails the invocation (redelivery) instead of quarantining the message', () => {
    const dir = temp();
    bundleFunction(path.join(REPO_ROOT, 'functions', 'deliver.ts'), dir, `${config}remote_write:\n  - url: http://127.0.0.1:9/api/v1/write\n    write_relabel_configs: [{action: labeldrop, regex: tmp_.*}]\n`);
    // A broken deployment: the chunk holding the remote_write decoder is gone.
    const chunks = readdirSync(path.join(dir, 'chunks')).filter((f) => f.endsWith('.mjs') && readFileSync(path.join(dir, 'chunks', f), 'utf8').includes('function decodeWriteRequest('));
    assert.equal(chunks.length, 1);
    rmSync(path.join(dir, 'chunks', chunks[0]!));
    const script = `
      const m = await import(${JSON.stringify(path.join(dir, BUNDLE_FILE))});
      const event = JSON.parse(${JSON.stringify(readFileSync(path.join(REPO_ROOT, 'events', 'sqs-batch.json'), 'utf8'))});
      try { process.stdout.write(JSON.stringify(await m.handler(event, { getRemainingTimeInMillis: () => 30000 }))); }
      catch (err) { process.stdout.write('threw: ' + err.message); }`;
    const env = { PATH: process.env.PATH ?? '', AWS_LAMBDA_FUNCTION_NAME: 'test', GATEWAY_CONFIG: path.join(dir, 'gateway.json'), QUEUE_URL: 'http://127.0.0.1:9/q', BUCKET: 'b', AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', AWS_MAX_ATTEMPTS: '1', LOG_LEVEL: 'error' };
    const res = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, env, encoding: 'utf8', timeout: 60_000 });
    assert.equal(res.status, 0, res.stderr);
    assert.match(res.stdout, /^threw: cannot load the remote_write decoder/);
  });

  it('a broken config fails the bundling, naming the problem', () => {
    assert.throws(
      () => bundleFunction(path.join(REPO_ROOT, 'functions', 'ingest.ts'), temp(), `${config}relabel_configs:\n  - {source_labels: [a], regex: '(', target_label: b}\n`),
      (err: Error & { problems?: string[] }) => (err.problems ?? []).some((p) => p.includes('relabel_configs[0].regex: "(" : missing closing )')),
    );
  });

  it('a hand-written gateway.json is validated at init, and a broken one fails it naming the problem', () => {
    const dir = temp();
    bundleFunction(path.join(REPO_ROOT, 'functions', 'ingest.ts'), dir, config);
    writeFileSync(path.join(dir, 'gateway.json'), JSON.stringify({ auth: { mode: 'none' }, relabel_configs: [{ source_labels: ['a'], regex: '(', target_label: 'b' }] }));
    const env = { PATH: process.env.PATH ?? '', AWS_LAMBDA_FUNCTION_NAME: 'test', GATEWAY_CONFIG: path.join(dir, 'gateway.json'), QUEUE_URL: 'http://127.0.0.1:9/q', BUCKET: 'b', AWS_REGION: 'us-east-1' };
    const res = spawnSync(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(path.join(dir, BUNDLE_FILE))})`], { cwd: dir, env, encoding: 'utf8', timeout: 60_000 });
    assert.notEqual(res.status, 0);
    assert.match(res.stderr, /relabel_configs\[0\]\.regex: "\(" : missing closing \)/);
  });
});
