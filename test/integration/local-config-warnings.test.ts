import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../helpers/services.ts';

/**
 * `npm start` logs each configuration warning (a Prometheus field accepted without effect, an old spelling)
 * once at start-up, from the runner's own read of the config: not once per ingest worker, not never.
 */
const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'gw-config-warnings-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('npm start logs configuration warnings once', () => {
  it('queue_config.max_shards: one warning line naming the field and why, then the gateway serves', { timeout: 90_000 }, async () => {
    const config = path.join(dir, 'gateway.yaml');
    writeFileSync(config, 'auth: {mode: none}\nremote_write:\n  - url: http://127.0.0.1:9/api/v1/write\n    queue_config: {max_shards: 4}\notlp: {targetInfo: false}\n');
    const port = await freePort();
    const child = spawn('npm', ['start', '--', '--config', config, '--port', String(port), '--data-dir', path.join(dir, 'data')], { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const listening = new Promise<void>((resolve, reject) => {
      const keep = (b: Buffer): void => {
        out += b.toString();
        if (out.includes('gateway listening')) resolve();
      };
      child.stdout!.on('data', keep);
      child.stderr!.on('data', keep);
      child.once('exit', () => reject(new Error(`exited before listening:\n${out}`)));
    });
    try {
      await listening;
      const warnings = out.split('\n').filter((l) => l.includes('configuration warning'));
      assert.equal(warnings.length, 2, out);
      const fields = warnings.map((l) => JSON.parse(l) as { level: string; warning: string; config: string });
      assert.ok(fields.every((f) => f.level === 'warn' && f.config === config), out);
      assert.match(fields[0]!.warning, /^remote_write\[0\]\.queue_config\.max_shards: accepted, no effect: /);
      assert.match(fields[1]!.warning, /^otlp\.targetInfo: deprecated spelling, use target_info$/);
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      process.kill(-child.pid!, 'SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  });
});
