/**
 * CPU time (user + system, process.cpuUsage in a fresh process) of importing the ingest and scrape bundle
 * entries and the lazily loaded OTLP, DataDog and Pushgateway route chunks (each chunk with the shared
 * chunks it imports: what the protocol's first request loads, an upper bound), for two checkouts built with
 * the CDK bundler (no source maps), processes alternating between them; medians of 9. CPU time, not wall
 * time, so a loaded machine moves it less than bench/bundles.ts' milliseconds.
 *   node bench/bundle-chunks.ts <other checkout>      (A = the other checkout, B = this one)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const other = process.argv[2];
if (other === undefined) throw new Error('usage: node bench/bundle-chunks.ts <other checkout>');
const trees = { A: path.resolve(other), B: here } as const;
const config = 'auth: {mode: none}\nremote_write:\n  - name: bench\n    url: http://127.0.0.1:9/api/v1/write\n';
const work = mkdtempSync(path.join(os.tmpdir(), 'gw-chunks-'));
const probe = path.join(work, 'probe.mjs');
writeFileSync(probe, `const t=process.cpuUsage(); await import(process.argv[2]); const d=process.cpuUsage(t); console.log((d.user+d.system)/1000);`);
const files: Record<string, Record<string, string>> = {};
for (const [k, root] of Object.entries(trees)) {
  const { bundleFunction, BUNDLE_FILE } = await import(path.join(root, 'infra/constructs/bundle.ts'));
  const mine: Record<string, string> = (files[k] = {});
  for (const fn of ['ingest', 'scrape']) {
    const out = path.join(work, `${k}-${fn}`);
    bundleFunction(path.join(root, 'functions', `${fn}.ts`), out, config, {}, { sourceMaps: false });
    mine[`${fn} entry`] = path.join(out, BUNDLE_FILE);
    const chunks = readdirSync(out, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.mjs'));
    if (fn === 'ingest') {
      for (const [name, marker] of [['otlp chunk', 'ExportMetricsServiceRequest'], ['datadog chunk', 'MetricPayload'], ['pushgateway chunk', 'delimited MetricFamily']] as const) {
        const c = chunks.find((f) => readFileSync(path.join(out, f), 'utf8').includes(marker) && !f.includes('index'));
        if (c) {
          mine[name] = path.join(out, c);
          console.log(`${k} ${name}: ${c}, ${(statSync(path.join(out, c)).size / 1024).toFixed(0)} KB`);
        }
      }
    }
  }
}
const env = { ...process.env, AWS_REGION: 'us-east-1', LOG_LEVEL: 'error' };
const res: Record<string, Record<string, number[]>> = { A: {}, B: {} };
for (let i = 0; i < 9; i++) {
  for (const k of ['A', 'B'] as const) {
    for (const [name, f] of Object.entries(files[k] ?? {})) {
      const r = spawnSync(process.execPath, [probe, f], { encoding: 'utf8', env });
      (res[k]![name] ??= []).push(Number(r.stdout.trim().split('\n').pop()));
    }
  }
}
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const name of Object.keys(files['B']!)) console.log(`${name}: A ${med(res['A']![name] ?? [NaN]).toFixed(1)} CPU-ms, B ${med(res['B']![name]!).toFixed(1)} CPU-ms`);
rmSync(work, { recursive: true, force: true });
