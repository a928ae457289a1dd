import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fakeContext, invoke } from '../../../scripts/invoke.ts';
import { EVENTS_DIR, loadHttpEvent, loadSqsEvent } from '../../helpers/events.ts';

function tempDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'gw-invoke-'));
}

describe('scripts/invoke.ts (npm run invoke)', () => {
  it('ingest with disk backends: 2xx, and the message lands in the disk queue', async () => {
    const dir = tempDir();
    const { result, backends } = await invoke('ingest', loadHttpEvent('http-prometheus-text.json'), { configPath: 'gateway.yaml', dataDir: dir, timeoutMs: 30_000, env: {} });
    assert.equal((result as { statusCode: number }).statusCode, 204);
    assert.match(backends, /^disk queue and blob store in /);
    assert.equal(readdirSync(path.join(dir, 'queue', 'ready')).length, 1);
  });

  it('deliver with disk backends sends the SQS sample to the configured receiver', async () => {
    const bodies: number[] = [];
    const server = http.createServer((req, res) => {
      let n = 0;
      req.on('data', (c: Buffer) => (n += c.length)).on('end', () => {
        bodies.push(n);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const dir = tempDir();
      const config = path.join(dir, 'gateway.yaml');
      writeFileSync(config, `auth: {mode: none}\nremote_write:\n  - url: http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/write\n`);
      const { result } = await invoke('deliver', loadSqsEvent(), { configPath: config, dataDir: dir, timeoutMs: 30_000, env: {} });
      assert.deepEqual(result, { batchItemFailures: [] });
      assert.equal(bodies.length, 1);
    } finally {
      server.close();
    }
  });

  it('refuses an unknown function by name', async () => {
    await assert.rejects(invoke('transmogrify', {}, { configPath: 'gateway.yaml', dataDir: tempDir(), timeoutMs: 1000, env: {} }), { message: /unknown function "transmogrify": ingest, deliver, replay or scrape/ });
  });

  it('the fake context counts the remaining time down', () => {
    let t = 1000;
    const c = fakeContext('f', 500, () => t);
    assert.equal(c.getRemainingTimeInMillis(), 500);
    t += 200;
    assert.equal(c.getRemainingTimeInMillis(), 300);
    t += 1000;
    assert.equal(c.getRemainingTimeInMillis(), 0);
  });

  it('the CLI prints the handler result as JSON on stdout', () => {
    const res = spawnSync(process.execPath, ['scripts/invoke.ts', 'ingest', path.join(EVENTS_DIR, 'http-ping.json'), '--data-dir', tempDir()], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
    assert.equal(res.status, 0, res.stderr);
    assert.equal(JSON.parse(res.stdout).statusCode, 204);
    assert.match(res.stderr, /invoked ingest with .*http-ping.json/);
  });

  it('the CLI explains its usage', () => {
    const res = spawnSync(process.execPath, ['scripts/invoke.ts'], { encoding: 'utf8' });
    assert.equal(res.status, 2);
    assert.match(res.stderr, /usage: npm run invoke -- <ingest\|deliver\|replay> <event.json>/);
  });
});
