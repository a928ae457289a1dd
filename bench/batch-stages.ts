/**
 * The batch push path's stages one by one, in one process: parse into a FloatBatch, group, encode the
 * WriteRequest bytes (encodeBatchSeries), for the bodies `npm run bench` pushes (Influx 10k lines x 5
 * fields; Prometheus text 10k lines). Samples per CPU-second of each stage, for A/B figures of a change:
 *   node bench/batch-stages.ts [influx|prometheus|prometheus-bytes] [seconds per stage]
 */
import { parseInfluxBatch } from '../lib/ingest/influx/parse.ts';
import { parsePrometheusTextBatch } from '../lib/ingest/prometheus/parse.ts';
import { encodeBatchSeries, groupBatch, seriesBodies } from '../lib/remote-write/encode-batch.ts';
import type { FloatBatch } from '../lib/model/batch.ts';
import { influxWorkload, prometheusTextWorkload } from './e2e.ts';
import { fmt } from './lib.ts';

const kind = process.argv[2] ?? 'influx';
const seconds = Number(process.argv[3] ?? 3);
const base = Date.now() - 3_600_000;
const text = kind.startsWith('prometheus');
const body = String((text ? prometheusTextWorkload(10_000, base) : influxWorkload(10_000 / 5 * 5, base)).bodies[0]);
// `prometheus-bytes`: the body as the import route gets it (bytes, read by byte-lines.ts); `prometheus`: as a string.
// Influx is parsed from the body's bytes, as the route reads a request.
const textBody: string | Uint8Array = kind === 'prometheus-bytes' ? Buffer.from(body) : body;
const bytes = Buffer.from(body);
const parse = (): FloatBatch => (text ? parsePrometheusTextBatch(textBody, { defaultTimestamp: base }).batch : parseInfluxBatch(bytes, { now: base, precision: 'ns', maxLineLength: 1 << 20 }).batch);

function stage(name: string, fn: () => number): void {
  for (let i = 0; i < 5; i++) fn();
  let samples = 0;
  const t0 = process.cpuUsage();
  let cpu = 0;
  while (cpu < seconds) {
    samples += fn();
    const d = process.cpuUsage(t0);
    cpu = (d.user + d.system) / 1e6;
  }
  process.stdout.write(`${kind} ${name.padEnd(22)} ${fmt(samples / cpu).padStart(8)} samples/CPU-s\n`);
}

const batch = parse();
stage('parse', () => parse().length);
stage('group + encode', () => {
  const g = groupBatch(batch);
  return encodeBatchSeries(batch, g, seriesBodies(batch, g), 0, g.count).length > 0 ? batch.length : 0;
});
stage('parse + group + encode', () => {
  const b = parse();
  const g = groupBatch(b);
  return encodeBatchSeries(b, g, seriesBodies(b, g), 0, g.count).length > 0 ? b.length : 0;
});
