import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../helpers/services.ts';
import { defaultIngestWorkers } from '../../lib/local/ingest-pool.ts';

/**
 * `npm start --ingest-workers N` / GATEWAY_INGEST_WORKERS (lib/local/main.ts): the flag reaches the runner, the
 * flag wins over the environment, without either the machine's default applies (defaultIngestWorkers), and a
 * value that is not a whole number 0 to 16 stops the start with a message naming the option.
 */
const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'gw-ingest-workers-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const config = path.join(dir, 'gateway.yaml');
writeFileSync(config, 'auth: {mode: none}\nremote_write:\n  - url: http://127.0.0.1:9/api/v1/write\n');

/** Runs main.ts as `npm start` does (node + main.ts); resolves with its output once it listens or exits. */
async function start(args: string[], env: Record<string, string> = {}): Promise<{ out: string; code: number | null }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['lib/local/main.ts', '--config', config, '--port', String(port), '--data-dir', path.join(dir, `data-${port}`), ...args], { cwd: ROOT, env: { ...process.env, GATEWAY_INGEST_WORKERS: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const listening = new Promise<void>((resolve) => {
    const keep = (b: Buffer): void => {
      out += b.toString();
      if (out.includes('gateway listening')) resolve();
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
  });
  const first = await Promise.race([listening.then(() => 'listening' as const), exited.then(() => 'exited' as const)]);
  if (first === 'exited') return { out, code: await exited };
  child.kill('SIGTERM');
  return { out, code: await exited };
}

const workersLogged = (out: string): unknown => (JSON.parse(out.split('\n').find((l) => l.includes('gateway listening'))!) as { ingestWorkers: unknown }).ingestWorkers;

describe('npm start --ingest-workers', () => {
  it('without the flag or GATEWAY_INGEST_WORKERS: the machine default', { timeout: 60_000 }, async () => {
    const { out, code } = await start([]);
    assert.equal(code, 0, out);
    assert.equal(workersLogged(out), defaultIngestWorkers());
  });

  it('--ingest-workers 1 forces a worker on (whatever the cores), 0 turns them off', { timeout: 60_000 }, async () => {
    assert.equal(workersLogged((await start(['--ingest-workers', '1'])).out), 1);
    assert.equal(workersLogged((await start(['--ingest-workers', '0'])).out), 0);
  });

  it('GATEWAY_INGEST_WORKERS sets it; the flag wins over it', { timeout: 60_000 }, async () => {
    assert.equal(workersLogged((await start([], { GATEWAY_INGEST_WORKERS: '2' })).out), 2);
    assert.equal(workersLogged((await start(['--ingest-workers', '0'], { GATEWAY_INGEST_WORKERS: '2' })).out), 0);
  });

  it('16 is the most; 17, a sign, a fraction or a word stop the start with exit 1 and a message naming the option', { timeout: 180_000 }, async () => {
    assert.equal(workersLogged((await start(['--ingest-workers', '16'])).out), 16);
    for (const bad of ['17', '-1', '1.5', 'two']) {
      const { out, code } = await start([`--ingest-workers=${bad}`]);
      assert.equal(code, 1, out);
      assert.ok(out.includes(`--ingest-workers (or GATEWAY_INGEST_WORKERS) must be a whole number from 0 to 16, got ${JSON.stringify(bad)}`), out);
    }
    const env = await start([], { GATEWAY_INGEST_WORKERS: 'many' });
    assert.equal(env.code, 1, env.out);
    assert.match(env.out, /must be a whole number from 0 to 16, got "many"/);
  });
});
