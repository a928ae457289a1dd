import { parseDocument } from 'yaml';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { REPO_ROOT } from '../../../infra/constructs/bundle.ts';
import { PREPARED_FORMAT } from '../../../lib/config/prepared.ts';

/** The CDK CLI from devDependencies (aws-cdk@2.1148.1); CDK_CLI overrides the path. */
const CDK = process.env.CDK_CLI ?? path.join(REPO_ROOT, 'node_modules', '.bin', 'cdk');

/**
 * `npx cdk synth` exactly as a user runs it, offline: no AWS credential variables, no profile, a fresh HOME
 * (no ~/.aws), and Node 22 first on PATH (cdk.json runs `node infra/bin/app.ts`). Docker is not on these
 * machines, so a passing synth also proves the bundling never needed it. One full synth: bundling runs
 * esbuild once per function.
 */
const scratch: string[] = [];
after(() => scratch.forEach((d) => rmSync(d, { recursive: true, force: true })));

function temp(prefix: string): string {
  const d = mkdtempSync(path.join(os.tmpdir(), prefix));
  scratch.push(d);
  return d;
}

function cdk(args: string[], outdir: string) {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(AWS_|CDK_DEFAULT_)/.test(k)) env[k] = v;
  env.HOME = temp('cdk-home-');
  env.PATH = `${path.join(REPO_ROOT, 'node_modules', '.bin')}${path.delimiter}${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`;
  env.CDK_DISABLE_CLI_TELEMETRY = 'true';
  return spawnSync(CDK, ['synth', '--quiet', '--no-notices', '--no-version-reporting', '-o', outdir, ...args], { cwd: REPO_ROOT, env, encoding: 'utf8', timeout: 300_000 });
}

describe('cdk synth (offline, no credentials, no Docker)', () => {
  it('the CDK CLI is installed', () => assert.ok(existsSync(CDK), `${CDK} missing: npm i -D aws-cdk@2.1148.1`));

  it('synthesizes the stack with esbuild bundles that carry the validated gateway.yaml', () => {
    const out = temp('cdk-out-');
    const res = cdk(['-c', 'config=./gateway.yaml'], out);
    assert.equal(res.status, 0, `cdk synth failed:\n${res.stdout}\n${res.stderr}`);
    const template = JSON.parse(readFileSync(path.join(out, 'MetricsGateway.template.json'), 'utf8'));
    const fns = Object.values(template.Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>).filter((r) => r.Type === 'AWS::Lambda::Function');
    const optional = ['replay', 'scrape'].filter((f) => existsSync(path.join(REPO_ROOT, 'functions', `${f}.ts`)));
    assert.equal(fns.length, 2 + optional.length, 'ingest, deliver and each optional function whose file exists');
    const assets = readdirSync(out).filter((d) => d.startsWith('asset.'));
    assert.equal(assets.length, fns.length, 'one bundle per function');
    const config = readFileSync(path.join(REPO_ROOT, 'gateway.yaml'), 'utf8');
    for (const a of assets) {
      const files = readdirSync(path.join(out, a)).sort();
      assert.deepEqual(files.filter((f) => f !== 'chunks'), ['gateway.json', 'gateway.yaml', 'index.mjs', 'index.mjs.map'], 'entry, source map and config (lazy chunks under chunks/)');
      assert.equal(readFileSync(path.join(out, a, 'gateway.yaml'), 'utf8'), config);
      // The functions read the config prepared at bundling (no YAML parser or validators at a cold start).
      const prepared = JSON.parse(readFileSync(path.join(out, a, 'gateway.json'), 'utf8'));
      assert.equal(prepared.format, PREPARED_FORMAT);
      assert.deepEqual(prepared.config.remoteWrite.map((r: { url: string }) => r.url), (parseDocument(config).toJS().remote_write as { url: string }[]).map((r) => r.url));
      const code = readFileSync(path.join(out, a, 'index.mjs'), 'utf8');
      assert.ok(code.length < 2_000_000 && !/\n\s{4,}\S/.test(code.slice(0, 5000)), 'minified');
    }
    assert.match(res.stderr + res.stdout, /Bundling asset MetricsGateway\/Ingest/);
  });

  it('a bad gateway.yaml fails synth with the loader\'s path-precise problems', () => {
    const dir = temp('cdk-bad-');
    const bad = path.join(dir, 'gateway.yaml');
    writeFileSync(bad, 'auth: {mode: none}\nremote_write:\n  - url: http://vm:8428/api/v1/write\n    queue_config:\n      min_backoff: 10s\n      max_backoff: 1s\ningest:\n  max_body_bytes: -1\n');
    const res = cdk(['-c', `config=${bad}`], path.join(dir, 'out'));
    assert.notEqual(res.status, 0);
    assert.match(res.stderr, new RegExp(`invalid configuration ${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:`));
    assert.match(res.stderr, /remote_write\[0\]\.queue_config\.min_backoff: must not exceed max_backoff/);
    assert.match(res.stderr, /ingest\.max_body_bytes: /);
  });
});
