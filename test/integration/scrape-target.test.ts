import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseGatewayConfig } from '../../lib/config/schema.ts';
import { openBackends } from '../../lib/local/backends.ts';
import { startLocalRunner, type LocalRunner } from '../../lib/local/runner.ts';
import { formatSeries } from '../../lib/model/labels.ts';
import { decodeWriteRequest } from '../../lib/remote-write/decode.ts';
import { snappyUncompress } from '../../lib/remote-write/snappy.ts';
import type { TimeSeries } from '../../lib/model/types.ts';
import { MemoryLogger } from '../helpers/fakes.ts';
import { startTestTarget, type TestTarget } from '../unit/scrape/helpers.ts';

/**
 * The local runner as a Prometheus agent against a test target that changes between scrapes, delivering to a
 * capturing remote_write receiver: staleness markers arrive as the exact StaleNaN bits, a failing target
 * sends up 0 and stales its series, honor_labels and sorted labels hold end to end.
 */
const STALE_NAN_LE = Buffer.from([0x02, 0, 0, 0, 0, 0, 0xf0, 0x7f]);

interface Capture {
  url: string;
  series: TimeSeries[];
  staleBits: number;
  close(): Promise<void>;
}

async function startCapture(): Promise<Capture> {
  const cap: Capture = { url: '', series: [], staleBits: 0, close: async () => undefined };
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
    const raw = Buffer.from(snappyUncompress(Buffer.concat(chunks), 64 << 20, 'capture'));
    for (let i = raw.indexOf(STALE_NAN_LE); i >= 0; i = raw.indexOf(STALE_NAN_LE, i + 1)) cap.staleBits++;
    cap.series.push(...decodeWriteRequest(raw).timeseries);
    res.writeHead(204).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  cap.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/write`;
  cap.close = () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); });
  return cap;
}

async function until(what: string, cond: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('scraping a changing test target through the local runner', () => {
  let target: TestTarget;
  let cap: Capture;
  let runner: LocalRunner;
  let dataDir: string;
  let phase = 0;

  before(async () => {
    target = await startTestTarget();
    target.respond = (_req, res) => {
      if (phase === 0) res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end('a{z="1",b="2"} 1\ngone 1\nhonored{job="pushed",instance="x"} 1\n');
      else if (phase === 1) res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end('a{z="1",b="2"} 2\nhonored{job="pushed",instance="x"} 1\n');
      else res.writeHead(503).end('down');
    };
    cap = await startCapture();
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'gw-scrape-'));
    const config = parseGatewayConfig({ auth: { mode: 'none' },
      remote_write: [{ name: 'cap', url: cap.url }],
      scrape_configs: [
        { job_name: 'plain', scrape_interval: '1s', scrape_timeout: '900ms', static_configs: [{ targets: [target.host] }] },
        { job_name: 'honor', scrape_interval: '1s', scrape_timeout: '900ms', honor_labels: true, static_configs: [{ targets: [target.host] }], metric_relabel_configs: [{ action: 'keep', source_labels: ['__name__'], regex: 'honored' }] },
      ],
    });
    const logger = new MemoryLogger();
    runner = await startLocalRunner({ config, backends: await openBackends({ kind: 'disk', dataDir, maxMessageBytes: 262144, logger }), logger, host: '127.0.0.1', port: 0 });
  });

  after(async () => {
    await runner?.close();
    await cap?.close();
    await target?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const find = (name: string, stale?: boolean) => cap.series.filter((s) => s.labels.some((l) => l.name === '__name__' && l.value === name) && (stale === undefined || s.samples.some((x) => !!x.stale === stale)));

  it('delivers sorted labels, exported_ renaming and honor_labels', async () => {
    await until('first scrape', () => find('a').length > 0 && find('honored').length > 1);
    for (const s of cap.series) assert.deepEqual(s.labels.map((l) => l.name), s.labels.map((l) => l.name).sort(), 'labels sorted');
    assert.equal(formatSeries(find('a')[0]!.labels), `a{b="2",instance="${target.host}",job="plain",z="1"}`);
    const honored = new Set(find('honored').map((s) => formatSeries(s.labels)));
    assert.ok(honored.has('honored{instance="x",job="pushed"}'), [...honored].join());
    assert.ok(honored.has(`honored{exported_instance="x",exported_job="pushed",instance="${target.host}",job="plain"}`), [...honored].join());
  });

  it('sends a bit-exact staleness marker when a series disappears', async () => {
    phase = 1;
    await until('stale marker for gone', () => find('gone', true).length > 0);
    assert.ok(cap.staleBits >= 1);
    assert.equal(formatSeries(find('gone', true)[0]!.labels), `gone{instance="${target.host}",job="plain"}`);
  });

  it('sends up 0 and stales every series of a failing target', async () => {
    phase = 2;
    await until('up 0', () => find('up').some((s) => s.samples.some((x) => x.value === 0)));
    await until('stale a', () => find('a', true).length > 0);
    let targets: { health: string; lastError: string; scrapePool: string }[] = [];
    const end = Date.now() + 10_000;
    while (Date.now() < end) {
      const res = await fetch(`${runner.url}/api/v1/targets`);
      assert.equal(res.status, 200);
      targets = ((await res.json()) as { data: { activeTargets: typeof targets } }).data.activeTargets;
      if (targets.every((t) => t.health === 'down')) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.deepEqual(targets.map((t) => [t.scrapePool, t.health, t.lastError]), [['honor', 'down', 'server returned HTTP status 503'], ['plain', 'down', 'server returned HTTP status 503']]);
    const html = await (await fetch(`${runner.url}/targets`)).text();
    assert.match(html, /<h2 id="plain">/);
    const staleBitsBefore = cap.staleBits;
    assert.ok(staleBitsBefore >= 3, `stale markers seen: ${staleBitsBefore}`);
  });
});
