import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { Counter, Gauge, Pushgateway, Registry } from 'prom-client';
import { haveBinary, requireBinary } from '../../helpers/services.ts';
import { pollExport, startGatewayWithVm, statusesOf, type GatewayWithVm } from './harness.ts';

/**
 * Real Pushgateway clients, unchanged apart from the URL, against the local runner; what they push is read
 * back from the VictoriaMetrics behind it.
 */
const available = haveBinary('victoria-metrics');
if (!available && process.env.CI === 'true') throw new Error('victoria-metrics is required under CI=true (apt-get install victoria-metrics)');

describe('Pushgateway clients through the gateway into VictoriaMetrics', { skip: !available && 'victoria-metrics not installed' }, () => {
  let g: GatewayWithVm;
  before(async () => {
    g = await startGatewayWithVm();
  });
  after(async () => {
    await g?.close();
  });

  it('prom-client Pushgateway: push (PUT), pushAdd (POST) and delete, with a / in a grouping value', async () => {
    const registry = new Registry();
    const rows = new Gauge({ name: 'interop_pc_rows', help: 'Rows "copied".', labelNames: ['table'], registers: [registry] });
    const runs = new Counter({ name: 'interop_pc_runs_total', help: 'Runs.', registers: [registry] });
    rows.set({ table: 'users' }, 1200);
    rows.set({ table: 'a\\b"c' }, 7);
    runs.inc(3);
    const pg = new Pushgateway(g.runner.url, {}, registry);
    const groupings = { instance: 'db/1', path: 'with space+plus' };

    const put = await pg.push({ jobName: 'interop_pc', groupings });
    assert.equal(statusOf(put), 200);
    rows.set({ table: 'users' }, 1300);
    const post = await pg.pushAdd({ jobName: 'interop_pc', groupings });
    assert.equal(statusOf(post), 200);

    const want = { instance: 'db/1', job: 'interop_pc', path: 'with space+plus' };
    const got = await pollExport(g.vm, '{job="interop_pc"}', (s) => s.length === 4 && s.every((x) => x.values.length === 2));
    const byName = new Map(got.map((s) => [`${s.metric.__name__}${s.metric.table ? `/${s.metric.table}` : ''}`, s]));
    assert.deepEqual([...byName.keys()].sort(), ['interop_pc_rows/a\\b"c', 'interop_pc_rows/users', 'interop_pc_runs_total', 'push_time_seconds']);
    for (const s of got) assert.deepEqual({ ...s.metric, __name__: undefined, table: undefined }, { ...want, __name__: undefined, table: undefined });
    assert.deepEqual(byName.get('interop_pc_rows/users')!.values, [1200, 1300]);
    assert.deepEqual(byName.get('interop_pc_runs_total')!.values, [3, 3]);
    const pushTimes = byName.get('push_time_seconds')!;
    assert.deepEqual(pushTimes.values, pushTimes.timestamps.map((t) => t / 1000));

    const del = await pg.delete({ jobName: 'interop_pc', groupings });
    assert.equal(statusOf(del), 202);
    // DELETE forwards a staleness marker for the group's push_time_seconds (docs/pushgateway.md).
    const afterDelete = await pollExport(g.vm, '{__name__="push_time_seconds",job="interop_pc"}', (s) => s[0]?.values.length === 3);
    assert.equal(afterDelete[0]!.values[2], null);
    assert.deepEqual(statusesOf(g.runner, 'pushgateway'), { '200': 2, '202': 1 });
  });

  it('python prometheus_client push_to_gateway with a / in a grouping value (sent @base64)', async (t: TestContext) => {
    if (!requireBinary(t, '/usr/bin/python3', 'apt-get install python3-prometheus-client')) return;
    const check = spawnSync('/usr/bin/python3', ['-c', 'import prometheus_client']);
    if (check.status !== 0) {
      if (process.env.CI === 'true') throw new Error('python3-prometheus-client is required under CI=true (apt-get install python3-prometheus-client)');
      t.skip('python3-prometheus-client not installed');
      return;
    }
    // Debian's python3 (not a pyenv shim, which may not see Debian's dist-packages); the call blocks, so run it
    // as a child process with a bounded time.
    const script = [
      'import sys',
      'from prometheus_client import CollectorRegistry, Gauge, push_to_gateway, pushadd_to_gateway',
      'r = CollectorRegistry()',
      "g = Gauge('interop_py_last_success_seconds', 'Last success.', ['kind'], registry=r)",
      "g.labels(kind='full').set(1700000000.5)",
      "push_to_gateway(sys.argv[1], job='interop_py', grouping_key={'path': '/var/backups/db 1', 'empty': ''}, registry=r)",
      "g.labels(kind='full').set(1700000100.25)",
      "pushadd_to_gateway(sys.argv[1], job='interop_py', grouping_key={'path': '/var/backups/db 1', 'empty': ''}, registry=r)",
    ].join('\n');
    const res = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const p = spawn('/usr/bin/python3', ['-c', script, g.runner.url], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      p.stdout.on('data', (b: Buffer) => (out += b));
      p.stderr.on('data', (b: Buffer) => (out += b));
      const timer = setTimeout(() => p.kill('SIGKILL'), 20_000);
      p.on('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, out });
      });
    });
    assert.equal(res.code, 0, res.out);
    const got = await pollExport(g.vm, '{job="interop_py"}', (s) => s.length === 2 && s.every((x) => x.values.length === 2));
    const gauge = got.find((s) => s.metric.__name__ === 'interop_py_last_success_seconds')!;
    // The empty grouping value (sent as empty@base64/=) removes the label, as with the Pushgateway.
    assert.deepEqual(gauge.metric, { __name__: 'interop_py_last_success_seconds', job: 'interop_py', kind: 'full', path: '/var/backups/db 1' });
    assert.deepEqual(gauge.values, [1700000000.5, 1700000100.25]);
    assert.ok(got.some((s) => s.metric.__name__ === 'push_time_seconds' && s.metric.path === '/var/backups/db 1'));
  });
});

/** prom-client types `resp` as unknown; it is the http.IncomingMessage. */
function statusOf(r: { resp?: unknown }): number | undefined {
  return (r.resp as { statusCode?: number } | undefined)?.statusCode;
}
