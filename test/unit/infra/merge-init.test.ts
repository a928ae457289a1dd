import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { buildSync } from 'esbuild';
import { BUNDLE_FILE, REPO_ROOT, bundleFunction, esbuildOptions } from '../../../infra/constructs/bundle.ts';
import { loadedAtStart } from '../../../infra/constructs/merge-init.ts';
import { loadedAtInit } from '../../helpers/bundle-start.ts';

const scratch: string[] = [];
after(() => scratch.forEach((d) => rmSync(d, { recursive: true, force: true })));
function temp(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'gw-merge-init-'));
  scratch.push(d);
  return d;
}

/** The source files the maps of `files` name (what those files were built from). */
function mappedSources(files: string[]): string[] {
  return [...new Set(files.flatMap((f) => (JSON.parse(readFileSync(`${f}.map`, 'utf8')) as { sources: string[] }).sources.map((s) => path.relative(REPO_ROOT, path.resolve(path.dirname(f), s)))))]
    .filter((s) => !s.includes('esbuild-generated'))
    .sort();
}

const config = 'auth: {mode: none}\nremote_write: [{url: "http://127.0.0.1:9/w"}]\n';

describe('bundles load their start-up code from one chunk (merge-init.ts)', () => {
  for (const fn of ['ingest', 'deliver', 'scrape']) {
    it(`${fn}: the entry and one shared chunk, built from the very sources esbuild alone would load at start`, () => {
      const dir = temp();
      bundleFunction(path.join(REPO_ROOT, 'functions', `${fn}.ts`), dir, config);
      const start = loadedAtInit(dir);
      assert.equal(start.length, 2, start.map((f) => path.relative(dir, f)).join(' '));

      // esbuild alone (one pass) cuts the same start-up code into many files: the merge is not vacuous...
      const plain = temp();
      const { metafile } = buildSync({ ...esbuildOptions(path.join(REPO_ROOT, 'functions', `${fn}.ts`), plain), metafile: true });
      const plainStart = loadedAtStart(metafile, BUNDLE_FILE);
      assert.ok(plainStart.length > 5, `one pass loads ${plainStart.length} files at start`);
      // ...and moves nothing lazy into the start, nor anything out of it.
      const mapsOf = (files: string[]) => mappedSources(files.map((f) => path.resolve(f)));
      assert.deepEqual(mapsOf(start), mapsOf(plainStart));
      // No map names the scratch directory of the first pass.
      const maps = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.map'));
      for (const m of maps) for (const s of (JSON.parse(readFileSync(path.join(dir, m), 'utf8')) as { sources: string[] }).sources) assert.ok(!s.includes('.pass1'), `${m}: ${s}`);
    });
  }

  it('two builds of the same sources are the same files, byte for byte (the CDK asset hash is the bundle\'s)', () => {
    const [a, b] = [temp(), temp()];
    for (const d of [a, b]) bundleFunction(path.join(REPO_ROOT, 'functions', 'ingest.ts'), d, config);
    const list = (d: string) => readdirSync(d, { recursive: true, encoding: 'utf8' }).sort();
    assert.deepEqual(list(a), list(b));
    assert.ok(!list(a).some((f) => f.startsWith('.pass1')), 'the first pass is removed');
    for (const f of list(a)) if (f.includes('.')) assert.ok(readFileSync(path.join(a, f)).equals(readFileSync(path.join(b, f))), f);
  });

  it('a lazily loaded protocol shares the start-up modules (one instance): its bad line is a 400 naming the line, not a 500', () => {
    const dir = temp();
    bundleFunction(path.join(REPO_ROOT, 'functions', 'ingest.ts'), dir, config);
    const event = {
      version: '2.0',
      rawPath: '/write',
      rawQueryString: '',
      headers: { 'content-type': 'text/plain' },
      requestContext: { http: { method: 'POST', path: '/write' } },
      body: 'cpu,host=a usage=oops\n',
      isBase64Encoded: false,
    };
    const script = `
      const m = await import(${JSON.stringify(path.join(dir, BUNDLE_FILE))});
      const r = await m.handler(${JSON.stringify(event)}, { getRemainingTimeInMillis: () => 30000 });
      process.stdout.write(JSON.stringify({ status: r.statusCode, body: r.body }));`;
    const env = { PATH: process.env.PATH ?? '', AWS_LAMBDA_FUNCTION_NAME: 'test', GATEWAY_CONFIG: path.join(dir, 'gateway.json'), QUEUE_URL: 'http://127.0.0.1:9/q', BUCKET: 'b', AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', AWS_MAX_ATTEMPTS: '1', LOG_LEVEL: 'error' };
    const res = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, env, encoding: 'utf8', timeout: 60_000 });
    assert.equal(res.status, 0, res.stderr);
    const out = JSON.parse(res.stdout.trim().split('\n').at(-1)!) as { status: number; body: string };
    assert.equal(out.status, 400, out.body);
    assert.match(out.body, /line 1/);
  });
});
