/**
 * CPU cost of good and bad lines (or items) per protocol, at two body sizes to show the cost is linear
 * (issue 12): `npx node bench/bad-lines.ts [lines...]` (default 100000 400000). Each body holds one kind of
 * line repeated: `good`, `bad value` (a good line with its value broken, same length) and `garbage` (`x`, a
 * body in another format; for the JSON bodies an item of the wrong type, for OTLP a delta sum). Figures are CPU nanoseconds per line (process.cpuUsage, user + system), the least
 * of RUNS runs of the parser alone (no queueing).
 */
import { parseCsvFormat } from '../lib/ingest/csv/format.ts';
import { parseCsv } from '../lib/ingest/csv/parse.ts';
import { parseDatadogV1Series, parseDatadogV2Series } from '../lib/ingest/datadog/parse.ts';
import { parseGraphite } from '../lib/ingest/graphite/parse.ts';
import { parseInfluxLines } from '../lib/ingest/influx/parse.ts';
import { parseJsonLines } from '../lib/ingest/jsonline/parse.ts';
import { parseOpenTsdbPut } from '../lib/ingest/opentsdb/parse.ts';
import { parseOtlpMetrics } from '../lib/ingest/otlp/parse.ts';
import { parsePrometheusText } from '../lib/ingest/prometheus/parse.ts';

const RUNS = 3;
const T = 1_700_000_000;
const enc = new TextEncoder();

interface Case {
  protocol: string;
  /** One line or item; `i` varies labels so that series do not all merge. */
  good: (i: number) => string;
  badValue: (i: number) => string;
  garbage: (i: number) => string;
  /** The body of `n` lines or items. */
  body: (unit: (i: number) => string, n: number) => Uint8Array;
  parse: (body: Uint8Array) => { errorCount?: number; errors: unknown[] };
}

const lines = (unit: (i: number) => string, n: number) => enc.encode(Array.from({ length: n }, (_, i) => unit(i)).join('\n') + '\n');
const array = (prefix: string, suffix: string) => (unit: (i: number) => string, n: number) => enc.encode(prefix + Array.from({ length: n }, (_, i) => unit(i)).join(',') + suffix);
const columns = parseCsvFormat('1:label:host,2:metric:cpu,3:time:unix_s');
const otlpMetric = (value: string) => (i: number) => `{"name":"g${i % 1000}","gauge":{"dataPoints":[{${value},"timeUnixNano":"${T}000000000","attributes":[{"key":"i","value":{"intValue":"${i}"}}]}]}}`;

const CASES: Case[] = [
  {
    protocol: 'influx',
    good: (i) => `cpu,host=h${i % 1000} usage=1.5 ${T}`,
    badValue: (i) => `cpu,host=h${i % 1000} usage=1.x ${T}`,
    garbage: () => 'x',
    body: lines,
    parse: (b) => parseInfluxLines(new TextDecoder().decode(b), { now: 0, precision: 's', maxLineLength: 262144 }),
  },
  {
    protocol: 'jsonline',
    good: (i) => `{"metric":{"__name__":"m","host":"h${i % 1000}"},"values":[1.5],"timestamps":[${T}000]}`,
    badValue: (i) => `{"metric":{"__name__":"m","host":"h${i % 1000}"},"values":[1.x],"timestamps":[${T}000]}`,
    garbage: () => 'x',
    body: lines,
    parse: (b) => parseJsonLines(b, { maxLineLength: 262144 }),
  },
  {
    protocol: 'csv',
    good: (i) => `h${i % 1000},1.5,${T}`,
    badValue: (i) => `h${i % 1000},1.x,${T}`,
    garbage: () => 'x',
    body: lines,
    parse: (b) => parseCsv(b, { columns, now: 0 }),
  },
  {
    protocol: 'prometheus',
    good: (i) => `m{host="h${i % 1000}"} 1.5 ${T}000`,
    badValue: (i) => `m{host="h${i % 1000}"} 1.x ${T}000`,
    garbage: () => 'x',
    body: lines,
    parse: (b) => parsePrometheusText(b, { defaultTimestamp: 0 }),
  },
  {
    protocol: 'graphite',
    good: (i) => `a.b.h${i % 1000} 1.5 ${T}`,
    badValue: (i) => `a.b.h${i % 1000} 1.x ${T}`,
    garbage: () => 'x',
    body: lines,
    parse: (b) => parseGraphite(b, { now: 0 }),
  },
  {
    protocol: 'opentsdb',
    good: (i) => `{"metric":"m","timestamp":${T},"value":1.5,"tags":{"host":"h${i % 1000}"}}`,
    badValue: (i) => `{"metric":"m","timestamp":${T},"value":"x","tags":{"host":"h${i % 1000}"}}`,
    garbage: () => '1',
    body: array('[', ']'),
    parse: (b) => parseOpenTsdbPut(b, { now: 0 }),
  },
  {
    protocol: 'datadog v1',
    good: (i) => `{"metric":"m","points":[[${T},1.5]],"host":"h${i % 1000}"}`,
    badValue: (i) => `{"metric":"m","points":[[${T},"x"]],"host":"h${i % 1000}"}`,
    garbage: () => '1',
    body: array('{"series":[', ']}'),
    parse: (b) => parseDatadogV1Series(b, { now: 0 }),
  },
  {
    protocol: 'datadog v2',
    good: (i) => `{"metric":"m","points":[{"timestamp":${T},"value":1.5}],"resources":[{"type":"host","name":"h${i % 1000}"}]}`,
    badValue: (i) => `{"metric":"m","points":[{"timestamp":${T},"value":"x"}],"resources":[{"type":"host","name":"h${i % 1000}"}]}`,
    garbage: () => '1',
    body: array('{"series":[', ']}'),
    parse: (b) => parseDatadogV2Series(b, { now: 0, format: 'json' }),
  },
  {
    protocol: 'otlp json',
    good: otlpMetric('"asDouble":1.5'),
    // OTLP/JSON refuses a wrongly typed value for the whole body; per-item problems are points without a
    // value and metrics it cannot carry (delta sums).
    badValue: otlpMetric('"flags":0'),
    garbage: (i) => `{"name":"d${i % 1000}","sum":{"aggregationTemporality":1,"dataPoints":[{"asInt":"1"}]}}`,
    body: array('{"resourceMetrics":[{"scopeMetrics":[{"metrics":[', ']}]}]}'),
    parse: (b) => parseOtlpMetrics(b, { format: 'json', now: 0 }),
  },
];

/** Least CPU nanoseconds per line of `RUNS` parses; undefined when the body is refused as a whole. */
function nsPerLine(c: Case, unit: (i: number) => string, n: number): number | undefined {
  const body = c.body(unit, n);
  let best = Infinity;
  for (let r = 0; r < RUNS; r++) {
    const t = process.cpuUsage();
    try {
      c.parse(body);
    } catch {
      return undefined; // a whole-body error (OTLP/JSON refuses a wrongly typed value in the body)
    }
    const d = process.cpuUsage(t);
    best = Math.min(best, d.user + d.system);
  }
  return (best * 1000) / n;
}

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
const ns = sizes.length ? sizes : [100_000, 400_000];
const fmt = (v: number | undefined) => (v === undefined ? 'whole body 400' : v.toFixed(0));
console.log(`| protocol | lines | good ns/line | bad value ns/line | garbage ns/line |`);
console.log(`|---|---|---|---|---|`);
for (const c of CASES) {
  for (const n of ns) {
    const good = nsPerLine(c, c.good, n);
    const bad = nsPerLine(c, c.badValue, n);
    const garbage = nsPerLine(c, c.garbage, n);
    console.log(`| ${c.protocol} | ${n.toLocaleString('en')} | ${fmt(good)} | ${fmt(bad)} | ${fmt(garbage)} |`);
  }
}
