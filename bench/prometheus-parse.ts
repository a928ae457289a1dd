/**
 * Prometheus text parsing throughput in samples per CPU-second (user + system time of process.cpuUsage(), so
 * GC helper threads count too), on node_exporter-1.5.0.prom:
 * - one body: the file repeated to about one million samples, parsed in one call (GC-bound: the whole result
 *   stays alive, far beyond a real request, which Lambda caps at 6 MB);
 * - per request: the 57 KB file parsed again and again until about one million samples, results dropped.
 * Each case for the push path (parsePrometheusText: comments ignored) and the scrape path (parseExposition with
 * HELP/TYPE metadata). Run: ./node_modules/.bin/node bench/prometheus-parse.ts [path-to.prom]
 */
import { readFileSync } from 'node:fs';
import { parseExposition } from '../lib/ingest/prometheus/parse.ts';

const TARGET_SAMPLES = 1_000_000;
const ROUNDS = 3;

const file = process.argv[2] ?? new URL('../../shared/data/node_exporter-1.5.0.prom', import.meta.url).pathname;
const one = readFileSync(file);
const perCopy = parseExposition(one, { defaultTimestamp: 0 }).series.length;
const copies = Math.ceil(TARGET_SAMPLES / perCopy);
const big = Buffer.from(one.toString('utf8').repeat(copies));

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

function measure(name: string, parse: () => number): void {
  parse(); // warm-up: steady-state code, not the first compilation
  let best = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const t0 = cpuSeconds();
    const samples = parse();
    best = Math.max(best, samples / (cpuSeconds() - t0));
  }
  console.log(`${name.padEnd(36)} ${Math.round(best).toLocaleString('en-US').padStart(11)} samples per CPU-second`);
}

for (const collectMetadata of [false, true]) {
  const opts = { defaultTimestamp: 1, collectMetadata };
  const path = collectMetadata ? 'scrape path (metadata)' : 'push path (comments ignored)';
  measure(`per request, ${path}`, () => {
    let n = 0;
    for (let i = 0; i < copies; i++) n += parseExposition(one, opts).series.length;
    return n;
  });
  measure(`one ${(big.length / 1e6).toFixed(0)} MB body, ${path}`, () => parseExposition(big, opts).series.length);
}
