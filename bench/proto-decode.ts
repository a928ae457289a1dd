/**
 * Protobuf push bodies, parsed end to end (decode + mapping to series), in samples per CPU-second
 * (process.cpuUsage, user + system) and scavenges per million samples (PerformanceObserver `gc` entries:
 * what the parser allocates). Cases: OTLP (the bodies of
 * bench/otlp-parse.ts), DataDog v2 MetricPayload, a Pushgateway body of delimited MetricFamily messages
 * (counters, gauges, a summary and 10-bucket histograms, 5 labels each). Bodies are encoded with the
 * protobufjs test codecs (test/helpers), so every tree parses the same bytes.
 *
 *   node bench/proto-decode.ts                      this tree
 *   node bench/proto-decode.ts --lib DIR            the parsers of another checkout (same entry points)
 *   node bench/proto-decode.ts --compare DIR [--rounds 7]
 *       A/B in one process: per case, rounds alternating DIR's parsers (A) and this tree's (B); medians, B/A
 *   BENCH_PARSE_CPU_MS: CPU time per case (default 2000).
 */
import path from 'node:path';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { ParseResult } from '../lib/ingest/types.ts';
import { countSamples } from '../lib/model/types.ts';
import { MetricFamilyType } from '../test/helpers/client-model-proto.ts';
import { MetricPayload } from '../test/helpers/datadog-proto.ts';
import { ExportMetricsServiceRequest } from '../test/helpers/otlp-proto.ts';
import { datadogRequest, hexIds, otlpNativeRequest, otlpRequest } from './otlp-parse.ts';

const HERE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { lib: { type: 'string' }, compare: { type: 'string' }, rounds: { type: 'string', default: '7' } } });

interface Figure {
  name: string;
  samplesPerCpuSecond: number;
  /** Scavenges per million samples (allocation). */
  scavengesPerMillion: number;
}

function pushgatewayBody(): Uint8Array {
  const labels = (i: number) => [
    { name: 'instance', value: `web-${i % 20}` },
    { name: 'job', value: 'batch' },
    { name: 'method', value: i % 2 ? 'GET' : 'POST' },
    { name: 'route', value: `/api/v1/items/${i}` },
    { name: 'status', value: String(200 + (i % 5)) },
  ];
  const families: Record<string, unknown>[] = [];
  for (let f = 0; f < 200; f++) {
    const kind = f % 10;
    const metric = Array.from({ length: 10 }, (_, i) => {
      const m: Record<string, unknown> = { label: labels(i), timestampMs: 1_700_000_000_000 + i };
      if (kind < 4) m['counter'] = { value: f * 100 + i, createdTimestamp: { seconds: 1_699_999_000, nanos: 0 } };
      else if (kind < 8) m['gauge'] = { value: f + i / 10 };
      else if (kind === 8) m['summary'] = { sampleCount: 100, sampleSum: 12.5, quantile: [0.5, 0.9, 0.99].map((q) => ({ quantile: q, value: q * 3 })) };
      else m['histogram'] = { sampleCount: 100, sampleSum: 12.5, bucket: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5].map((b, j) => ({ upperBound: b, cumulativeCount: j * 10 })) };
      return m;
    });
    const type = kind < 4 ? 'COUNTER' : kind < 8 ? 'GAUGE' : kind === 8 ? 'SUMMARY' : 'HISTOGRAM';
    families.push({ name: `app_metric_${f}${kind < 4 ? '_total' : ''}`, help: 'Some help text.', type, metric });
  }
  return Buffer.concat(families.map((f) => MetricFamilyType.encodeDelimited(MetricFamilyType.fromObject(f)).finish()));
}

interface Parsers {
  parseOtlpMetrics(body: Uint8Array, opts: { format: 'protobuf'; now: number }): ParseResult;
  parseDatadogV2Series(body: Uint8Array, opts: { format: 'protobuf'; now: number }): ParseResult;
  decodeMetricFamilies(body: Uint8Array): unknown;
  metricFamiliesToSeries(families: never, now: number): ParseResult;
}

async function load(root: string): Promise<Parsers> {
  const url = (p: string) => pathToFileURL(path.join(root, p)).href;
  const otlp = (await import(url('lib/ingest/otlp/parse.ts'))) as Pick<Parsers, 'parseOtlpMetrics'>;
  const dd = (await import(url('lib/ingest/datadog/parse.ts'))) as Pick<Parsers, 'parseDatadogV2Series'>;
  const pg = (await import(url('lib/ingest/pushgateway/metric-families.ts'))) as Pick<Parsers, 'decodeMetricFamilies' | 'metricFamiliesToSeries'>;
  return { ...otlp, ...dd, ...pg };
}

/**
 * Scavenges (young-generation collections): their count per sample measures what a parser allocates,
 * independently of the machine's load (GC pause times are wall time and swell on a loaded machine).
 */
const scavenges: number[] = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    if ((e as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) scavenges.push(e.startTime);
  }
}).observe({ entryTypes: ['gc'] });

async function measure(name: string, fn: () => ParseResult, minCpuMs = Number(process.env['BENCH_PARSE_CPU_MS'] ?? 2000)): Promise<Figure> {
  const first = fn();
  if (first.errors.length) throw new Error(`${name}: ${first.errors[0]!.reason}`);
  const samples = countSamples(first.series);
  for (let i = 0; i < 3; i++) fn(); // warm-up
  let runs = 0;
  const t0 = performance.now();
  const start = process.cpuUsage();
  let cpuMs = 0;
  while (cpuMs < minCpuMs) {
    fn();
    runs++;
    const d = process.cpuUsage(start);
    cpuMs = (d.user + d.system) / 1000;
  }
  const t1 = performance.now();
  await new Promise((resolve) => setTimeout(resolve, 50)); // the observer is called on the event loop
  const n = scavenges.filter((t) => t >= t0 && t < t1).length;
  scavenges.length = 0;
  return { name, samplesPerCpuSecond: Math.round((samples * runs) / (cpuMs / 1000)), scavengesPerMillion: (n * 1e6) / (samples * runs) };
}

async function cases(p: Parsers): Promise<{ name: string; fn: () => ParseResult }[]> {
  const now = 1_700_000_000_000;
  const otlpPb = ExportMetricsServiceRequest.encode(ExportMetricsServiceRequest.fromObject(otlpRequest() as Record<string, unknown>)).finish();
  const nativePb = ExportMetricsServiceRequest.encode(ExportMetricsServiceRequest.fromObject(hexIds(otlpNativeRequest()) as Record<string, unknown>)).finish();
  const ddPb = MetricPayload.encode(MetricPayload.fromObject(datadogRequest() as Record<string, unknown>)).finish();
  const pgPb = pushgatewayBody();
  return [
    { name: 'otlp protobuf', fn: () => p.parseOtlpMetrics(otlpPb, { format: 'protobuf', now }) },
    { name: 'otlp protobuf native+ex', fn: () => p.parseOtlpMetrics(nativePb, { format: 'protobuf', now }) },
    { name: 'datadog v2 protobuf', fn: () => p.parseDatadogV2Series(ddPb, { format: 'protobuf', now }) },
    { name: 'pushgateway protobuf', fn: () => p.metricFamiliesToSeries(p.decodeMetricFamilies(pgPb) as never, now) },
  ];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** A/B in one process: per case, rounds alternating A then B (so load changes hit both), medians and B/A per round. */
async function compare(aRoot: string, rounds: number): Promise<void> {
  const [a, b] = [await cases(await load(aRoot)), await cases(await load(HERE))];
  const perRoundMs = Number(process.env['BENCH_PARSE_CPU_MS'] ?? 2000) / 2;
  console.log(`A = ${aRoot}, B = ${HERE}: ${rounds} rounds of ${perRoundMs} CPU-ms each, alternating A and B in one process; medians`);
  console.log('| case | A samples/CPU-s | A scavenges/M | B samples/CPU-s | B scavenges/M | B/A median (min-max) |\n|---|---|---|---|---|---|');
  for (let k = 0; k < a.length; k++) {
    const fa: Figure[] = [];
    const fb: Figure[] = [];
    for (let i = 0; i < rounds; i++) {
      fa.push(await measure(a[k]!.name, a[k]!.fn, perRoundMs));
      fb.push(await measure(b[k]!.name, b[k]!.fn, perRoundMs));
    }
    const av = fa.map((f) => f.samplesPerCpuSecond);
    const bv = fb.map((f) => f.samplesPerCpuSecond);
    const ratios = av.map((x, i) => bv[i]! / x);
    const pct = (fs: Figure[]) => median(fs.map((f) => f.scavengesPerMillion)).toFixed(0);
    console.log(
      `| ${a[k]!.name} | ${Math.round(median(av)).toLocaleString('en-US')} | ${pct(fa)} | ${Math.round(median(bv)).toLocaleString('en-US')} | ${pct(fb)} | ` +
        `${median(ratios).toFixed(2)}x (${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}) |`,
    );
  }
}

if (values.compare !== undefined) await compare(path.resolve(values.compare), Number(values.rounds));
else {
  const p = await load(values.lib !== undefined ? path.resolve(values.lib) : HERE);
  for (const c of await cases(p)) {
    const f = await measure(c.name, c.fn);
    console.log(`${f.name.padEnd(26)} ${f.samplesPerCpuSecond.toLocaleString('en-US').padStart(10)} samples/CPU-s, ${f.scavengesPerMillion.toFixed(0)} scavenges per million samples`);
  }
}
