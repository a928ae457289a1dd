import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openBackends } from '../../lib/local/backends.ts';
import { startLocalRunner, type LocalRunner } from '../../lib/local/runner.ts';
import { parseGatewayConfig } from '../../lib/config/schema.ts';
import { encodeWriteRequest } from '../../lib/remote-write/encode.ts';
import { snappyCompress } from '../../lib/remote-write/snappy.ts';
import { startVictoriaMetrics, type VictoriaMetrics } from '../helpers/services.ts';
import { MemoryLogger } from '../helpers/fakes.ts';

/**
 * The local runner reads request bodies of several chunks into buffers it reuses once the request is answered
 * (lib/local/body-buffers.ts). With `poison`, every buffer given back is overwritten at once: if anything the
 * ingest core keeps past its answer (a queued message, a batch, a label string, a sample) were a view of the
 * body, what VictoriaMetrics receives would be 0xEE bytes or the next request's. Concurrent pushes of three
 * protocols, each body large enough to arrive in several chunks, are read back sample for sample. The queue
 * takes 1 MiB messages, so the remote_write bodies are forwarded as received (the passthrough): the message
 * must then be a copy of the body, since the disk queue keeps sent bodies in memory past the answer.
 */
describe('reused request body buffers: nothing is read from a body after its answer', () => {
  let vm: VictoriaMetrics;
  let runner: LocalRunner;
  let dataDir: string;

  before(async () => {
    vm = await startVictoriaMetrics();
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'gw-body-reuse-'));
    const config = parseGatewayConfig({ auth: { mode: 'none' }, remote_write: [{ name: 'vm', url: `${vm.url}/api/v1/write` }], queue: { max_message_bytes: 1 << 20 } });
    const logger = new MemoryLogger();
    runner = await startLocalRunner({ config, backends: await openBackends({ kind: 'disk', dataDir, maxMessageBytes: 1 << 20, logger }), logger, host: '127.0.0.1', port: 0, bodyBuffers: { poison: true } });
  });

  after(async () => {
    await runner?.close();
    await vm?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const T0 = 1_700_000_000_000;
  /** Enough series for a snappy body of more than 128 KiB. */
  const RW_SERIES = 8000;
  const value = (proto: string, req: number, i: number): number => (proto.length * 1_000_003 + req * 10_007 + i * 13) % 100_000;

  function influx(req: number): string {
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++) lines.push(`reuse_influx,req=r${req},i=i${i},pad=${'p'.repeat(20)} v=${value('influx', req, i)} ${T0 + req * 1000}000000`);
    return lines.join('\n');
  }

  function text(req: number): string {
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++) lines.push(`reuse_text{req="r${req}",i="i${i}",pad="${'q'.repeat(20)}"} ${value('text', req, i)} ${T0 + req * 1000}`);
    return `${lines.join('\n')}\n`;
  }

  function remoteWrite(req: number): Uint8Array {
    const timeseries = Array.from({ length: RW_SERIES }, (_, i) => ({
      labels: [{ name: '__name__', value: 'reuse_rw' }, { name: 'i', value: `i${i}` }, { name: 'req', value: `r${req}` }, { name: 'z', value: `${(i * 2654435761) % 4294967296}` }],
      samples: [{ value: value('rw', req, i), timestamp: T0 + req * 1000 }],
    }));
    return snappyCompress(encodeWriteRequest({ timeseries, metadata: [] }));
  }

  it('Influx, Prometheus text and remote_write bodies pushed four at a time arrive exactly', { timeout: 120_000 }, async () => {
    const rounds = 4;
    const sends: Promise<void>[] = [];
    const post = async (p: string, body: string | Uint8Array, headers: Record<string, string> = {}): Promise<void> => {
      assert.ok(body.length > 128 * 1024, 'several socket chunks');
      const r = await fetch(`${runner.url}${p}`, { method: 'POST', body, headers });
      assert.equal(r.status, 204, await r.text());
    };
    for (let req = 0; req < rounds; req++) {
      sends.push(post('/write', influx(req)));
      sends.push(post('/api/v1/import/prometheus', text(req)));
      sends.push(post('/api/v1/write', remoteWrite(req), { 'content-encoding': 'snappy', 'content-type': 'application/x-protobuf', 'x-prometheus-remote-write-version': '0.1.0' }));
    }
    await Promise.all(sends);
    assert.ok(await runner.drained(60_000), 'queue drained');
    for (const [name, proto] of [['reuse_influx_v', 'influx'], ['reuse_text', 'text'], ['reuse_rw', 'rw']] as const) {
      const got = await vm.exportSeries(`{__name__="${name}"}`);
      assert.equal(got.length, rounds * (proto === 'rw' ? RW_SERIES : 3000), name);
      for (const s of got) {
        const req = Number(s.metric.req!.slice(1));
        const i = Number(s.metric.i!.slice(1));
        assert.deepEqual(s.timestamps, [T0 + req * 1000], `${name} ${JSON.stringify(s.metric)}`);
        assert.deepEqual(s.values, [value(proto, req, i)], `${name} ${JSON.stringify(s.metric)}`);
        if (proto !== 'rw') assert.equal(s.metric.pad, (proto === 'influx' ? 'p' : 'q').repeat(20));
      }
    }
  });
});
