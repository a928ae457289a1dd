import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startVictoriaMetrics } from '../helpers/services.ts';

/**
 * `npm start` runs the local runner from the bundle scripts/build-local.mjs builds (not from the .ts sources,
 * which load Node's type stripper: about 27 MiB more RSS idle). What that must not change: the runner's
 * behaviour, including the ingest worker, whose module the bundle carries beside the runner's
 * (lib/local/ingest-pool.ts WORKER_ENTRY); a wrong path there fails only when a body first reaches a worker.
 */
const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'gw-start-bundle-'));
const cleanup: (() => unknown)[] = [() => rmSync(dir, { recursive: true, force: true })];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

const build = (): string => execFileSync(process.execPath, ['scripts/build-local.mjs'], { cwd: ROOT, encoding: 'utf8' }).trim();

function threads(pid: number): number {
  return Number(/Threads:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
}

function killGroup(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

describe('npm start runs the bundled runner', () => {
  it('the same sources build to the same directory, which holds both entry points and no TypeScript', { timeout: 60_000 }, () => {
    const first = build();
    const second = build();
    assert.equal(second, first);
    assert.match(first, /node_modules\/\.cache\/metrics-gateway\/local\/[0-9a-f]{16}\/main\.js$/);
    const files = readdirSync(path.dirname(first));
    assert.ok(files.includes('ingest-worker.js'), files.join(' '));
    assert.ok(!files.some((f) => f.endsWith('.ts')), files.join(' '));
    // Dependencies stay in node_modules (native and WebAssembly packages load as from the sources).
    assert.match(readFileSync(first, 'utf8') + files.filter((f) => f.endsWith('.js')).map((f) => readFileSync(path.join(path.dirname(first), f), 'utf8')).join(''), /from "yaml"|from "hysnappy"/);
  });

  it('builds of other sources older than a day are removed, unless a running process marked them', { timeout: 60_000 }, () => {
    const cache = path.dirname(path.dirname(build()));
    const old = Date.now() / 1000 - 2 * 86400;
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid!;
    const make = (name: string, mark?: number): string => {
      const d = path.join(cache, name);
      mkdirSync(d, { recursive: true });
      writeFileSync(path.join(d, 'main.js'), '');
      if (mark !== undefined) writeFileSync(path.join(d, `.in-use-${mark}`), '');
      utimesSync(d, old, old);
      return d;
    };
    const unused = make('test-old-unused');
    const running = make('test-old-running', process.pid);
    const gone = make('test-old-gone', deadPid);
    const fresh = path.join(cache, 'test-fresh');
    mkdirSync(fresh, { recursive: true });
    cleanup.push(() => {
      for (const d of [unused, running, gone, fresh]) rmSync(d, { recursive: true, force: true });
    });
    const main = build();
    assert.equal(existsSync(unused), false, 'an old build nobody runs is removed');
    assert.equal(existsSync(gone), false, 'an old build whose process has exited is removed');
    assert.equal(existsSync(running), true, 'an old build a live process runs is kept');
    assert.equal(existsSync(fresh), true, 'a build younger than a day is kept');
    assert.ok(existsSync(path.join(path.dirname(main), `.in-use-${process.pid}`)), 'the build marks itself with its parent pid (the shell that execs node under npm start)');
  });

  it('a body large enough for an ingest worker is parsed in one started from the bundle, and delivered', { timeout: 120_000 }, async () => {
    const vm = await startVictoriaMetrics();
    cleanup.push(() => vm.stop());
    const cfg = path.join(dir, 'gateway.yaml');
    writeFileSync(cfg, `auth: {mode: none}\nremote_write:\n  - {name: vm, url: "${vm.url}/api/v1/write"}\n`);
    const port = await freePort();
    const npm = spawn('npm', ['start', '--', '--config', cfg, '--port', String(port), '--data-dir', path.join(dir, 'data'), '--ingest-workers', '1'], { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    cleanup.push(() => killGroup(npm));
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const keep = (b: Buffer): void => {
        out += b.toString();
        if (out.includes('gateway listening')) resolve();
      };
      npm.stdout!.on('data', keep);
      npm.stderr!.on('data', keep);
      npm.once('exit', () => reject(new Error(`npm start exited:\n${out}`)));
    });
    // npm -> sh, which execs node: the node process is npm's child.
    const pid = Number(execFileSync('pgrep', ['-P', String(npm.pid)], { encoding: 'utf8' }).trim().split('\n')[0]);
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const entry = cmdline.find((a) => /node_modules\/\.cache\/metrics-gateway\/local\/[0-9a-f]{16}\/main\.js$/.test(a));
    assert.ok(entry && existsSync(entry), cmdline.join(' '));
    assert.ok(existsSync(path.join(path.dirname(entry), `.in-use-${pid}`)), 'the build is marked with the gateway\'s pid, so no other start removes it while it runs');

    const before = threads(pid);
    const lines = Array.from({ length: 4000 }, (_, i) => `bundle_worker,i=${i} v=${i} 1700000000000000000`).join('\n');
    assert.ok(lines.length > 64 * 1024, 'over workerMinBodyBytes: a worker takes it');
    const r = await fetch(`http://127.0.0.1:${port}/write`, { method: 'POST', body: lines });
    assert.equal(r.status, 204, await r.text());
    assert.ok(threads(pid) > before, `a worker thread started (threads ${before} -> ${threads(pid)})`);
    assert.doesNotMatch(out, /ingest worker stopped/);

    let series = 0;
    for (let i = 0; i < 100 && series < 4000; i++) {
      series = (await vm.exportSeries('{__name__="bundle_worker_v"}')).length;
      if (series < 4000) await new Promise((res) => setTimeout(res, 200));
    }
    assert.equal(series, 4000);
  });
});
