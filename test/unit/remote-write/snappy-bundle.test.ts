/**
 * The snappy codec must ship inside the Lambda bundles for arm64 without Docker or a native binary:
 * hysnappy carries its WebAssembly as base64 in its JavaScript, so esbuild inlines it like any module.
 * These tests bundle with the construct's own settings (infra/constructs/bundle.ts) and run the result
 * where no node_modules can be found, so nothing is resolved at run time from the build machine.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { buildSync, type Metafile } from 'esbuild';
import { BUNDLE_FILE, REPO_ROOT, esbuildOptions } from '../../../infra/constructs/bundle.ts';

const scratch: string[] = [];
after(() => scratch.forEach((d) => rmSync(d, { recursive: true, force: true })));
function temp(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'gw-snappy-bundle-'));
  scratch.push(d);
  return d;
}

function allFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

describe('snappy codec in the Lambda bundles', () => {
  for (const fn of ['ingest', 'deliver']) {
    it(`${fn}: hysnappy is bundled in (not external), with no native .node or separate .wasm file`, () => {
      const outdir = temp();
      const { metafile } = buildSync({ ...esbuildOptions(path.join(REPO_ROOT, 'functions', `${fn}.ts`), outdir), metafile: true }) as { metafile: Metafile };
      const inputs = Object.values(metafile.outputs).flatMap((o) => Object.keys(o.inputs));
      assert.ok(inputs.some((f) => f.includes('node_modules/hysnappy/js/uncompress.js')), 'hysnappy decoder bundled');
      assert.ok(inputs.some((f) => f.includes('node_modules/hysnappy/js/compress.js')), 'hysnappy encoder bundled');
      const externals = Object.values(metafile.outputs).flatMap((o) => o.imports.filter((i) => i.external).map((i) => i.path));
      assert.ok(!externals.some((p) => /snappy/.test(p)), externals.join(' '));
      const files = allFiles(outdir);
      assert.ok(!files.some((f) => /\.(node|wasm)$/.test(f)), files.join(' '));
      assert.ok(files.some((f) => f.endsWith(BUNDLE_FILE)));
    });
  }

  it('the bundled codec runs with no node_modules in reach and reads what it writes', () => {
    const outdir = temp();
    const entry = path.join(outdir, 'entry.ts');
    writeFileSync(
      entry,
      `import { snappyCompress, snappyUncompress } from ${JSON.stringify(path.join(REPO_ROOT, 'lib/remote-write/snappy.ts'))};
export const handler = () => {
  const data = new TextEncoder().encode('bench_rw_metric{instance="host-1:9100",job="node"} '.repeat(5000));
  const c = snappyCompress(data);
  const back = snappyUncompress(c, data.length, 'bundle');
  return { ratio: data.length / c.length, same: Buffer.compare(Buffer.from(back), Buffer.from(data)) === 0 };
};`,
    );
    const dist = path.join(outdir, 'dist');
    buildSync({ ...esbuildOptions(entry, dist) });
    const src = readFileSync(path.join(dist, BUNDLE_FILE), 'utf8');
    assert.ok(!/from\s*["']hysnappy["']/.test(src), 'no import of hysnappy left in the bundle');
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(path.join(dist, BUNDLE_FILE))}); console.log(JSON.stringify(m.handler()));`], { cwd: outdir, encoding: 'utf8', env: { ...process.env, NODE_PATH: '' } });
    assert.equal(run.status, 0, run.stderr);
    const got = JSON.parse(run.stdout) as { ratio: number; same: boolean };
    assert.equal(got.same, true);
    assert.ok(got.ratio > 10, String(got.ratio));
  });
});
