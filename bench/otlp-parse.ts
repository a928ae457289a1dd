/**
 * Parser throughput in samples per CPU-second (process.cpuUsage(), user + system), about 1M samples per
 * case. Run: ./node_modules/.bin/node bench/otlp-parse.ts
 * Bodies look like a busy SDK export: one resource, gauges and cumulative sums with 4 attributes per point,
 * explicit-bucket histograms with 10 bounds. A second body has what issue 13 added: cumulative sums with
 * start times and one exemplar per point, and exponential histograms (40 buckets, one exemplar) that become
 * native histograms; its figure counts points (float samples plus histogram samples).
 * DataDog v2 is measured the same way for comparison.
 * `npm run bench` calls benchOtlpParse().
 */
import { parseDatadogV2Series } from '../lib/ingest/datadog/parse.ts';
import { MetricPayload } from '../test/helpers/datadog-proto.ts';
import { parseOtlpMetrics } from '../lib/ingest/otlp/parse.ts';
import { ExportMetricsServiceRequest } from '../test/helpers/otlp-proto.ts';
import type { ParseResult } from '../lib/ingest/types.ts';
import { isMain, type ParseFigure } from './parse-throughput.ts';

const TARGET_SAMPLES = 1_000_000;
const T0 = 1_700_000_000_000_000_000n;

function kv(key: string, value: string) {
  return { key, value: { stringValue: value } };
}

export function otlpRequest(): unknown {
  const metrics: unknown[] = [];
  for (let m = 0; m < 100; m++) {
    const points = [];
    for (let p = 0; p < 50; p++) {
      points.push({
        asDouble: m * 1000 + p + 0.5,
        timeUnixNano: String(T0 + BigInt(p) * 1_000_000n),
        attributes: [kv('http.method', p % 2 ? 'GET' : 'POST'), kv('http.route', `/api/v1/items/${p}`), kv('http.status_code', String(200 + (p % 5))), kv('net.host.name', 'web-1')],
      });
    }
    metrics.push(m % 2 ? { name: `app.gauge.${m}`, gauge: { dataPoints: points } } : { name: `app.requests.${m}`, sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: points } });
  }
  for (let m = 0; m < 20; m++) {
    const points = [];
    for (let p = 0; p < 50; p++) {
      points.push({
        count: '100',
        sum: 12.5,
        bucketCounts: ['1', '2', '3', '4', '5', '10', '20', '30', '15', '5', '5'],
        explicitBounds: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
        timeUnixNano: String(T0),
        attributes: [kv('http.method', 'GET'), kv('http.route', `/r/${p}`), kv('http.status_code', '200'), kv('net.host.name', 'web-1')],
      });
    }
    metrics.push({ name: `http.server.duration.${m}`, unit: 's', histogram: { aggregationTemporality: 2, dataPoints: points } });
  }
  return {
    resourceMetrics: [
      {
        resource: { attributes: [kv('service.name', 'shop'), kv('service.instance.id', 'i-1'), kv('host.name', 'web-1'), kv('cloud.region', 'eu-west-1')] },
        scopeMetrics: [{ scope: { name: 'bench' }, metrics }],
      },
    ],
  };
}

export function otlpNativeRequest(): unknown {
  const metrics: unknown[] = [];
  const exemplar = (v: number) => ({ asDouble: v, timeUnixNano: String(T0), traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174' });
  for (let m = 0; m < 100; m++) {
    const points = [];
    for (let p = 0; p < 50; p++) {
      points.push({
        asDouble: m * 1000 + p + 0.5,
        timeUnixNano: String(T0 + BigInt(p) * 1_000_000n),
        startTimeUnixNano: String(T0 - 60_000_000_000n),
        exemplars: [exemplar(1)],
        attributes: [kv('http.method', p % 2 ? 'GET' : 'POST'), kv('http.route', `/api/v1/items/${p}`), kv('http.status_code', String(200 + (p % 5))), kv('net.host.name', 'web-1')],
      });
    }
    metrics.push({ name: `app.requests.${m}`, sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: points } });
  }
  for (let m = 0; m < 20; m++) {
    const points = [];
    for (let p = 0; p < 50; p++) {
      const counts = Array.from({ length: 40 }, (_, i) => String((i * 7) % 11));
      const count = counts.reduce((a, c) => a + Number(c), 0) + 3;
      points.push({
        count: String(count),
        sum: 12.5,
        scale: 3,
        zeroCount: '3',
        positive: { offset: -20, bucketCounts: counts },
        timeUnixNano: String(T0 + BigInt(p) * 1_000_000n),
        startTimeUnixNano: String(T0 - 60_000_000_000n),
        exemplars: [exemplar(0.3)],
        attributes: [kv('http.method', 'GET'), kv('http.route', `/r/${p}`), kv('http.status_code', '200'), kv('net.host.name', 'web-1')],
      });
    }
    metrics.push({ name: `http.server.duration.${m}`, unit: 's', exponentialHistogram: { aggregationTemporality: 2, dataPoints: points } });
  }
  return {
    resourceMetrics: [
      {
        resource: { attributes: [kv('service.name', 'shop'), kv('service.instance.id', 'i-1'), kv('host.name', 'web-1'), kv('cloud.region', 'eu-west-1')] },
        scopeMetrics: [{ scope: { name: 'bench' }, metrics }],
      },
    ],
  };
}

/** OTLP/JSON trace and span ids are hex; protobufjs' fromObject reads strings as base64. */
export function hexIds(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(hexIds);
  if (typeof v !== 'object' || v === null) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = (k === 'traceId' || k === 'spanId') && typeof x === 'string' ? Buffer.from(x, 'hex') : hexIds(x);
  return out;
}

export function datadogRequest(): unknown {
  const series = [];
  for (let s = 0; s < 2000; s++) {
    const points = [];
    for (let p = 0; p < 10; p++) points.push({ timestamp: 1_700_000_000 + p * 10, value: s + p });
    series.push({ metric: `system.cpu.user.${s % 50}`, type: 3, points, resources: [{ name: `host-${s % 20}`, type: 'host' }], tags: ['env:prod', `core:${s}`, 'role:web'] });
  }
  return { series };
}

function measure(name: string, bytes: number, parse: () => ParseResult, target = TARGET_SAMPLES): ParseFigure {
  let samples = 0;
  let runs = 0;
  parse(); // warm-up (code generation, JIT)
  const start = process.cpuUsage();
  while (samples < target) {
    const r = parse();
    if (r.errors.length) throw new Error(`${name}: ${r.errors[0]!.reason}`);
    for (const s of r.series) samples += s.samples.length + (s.histograms?.length ?? 0);
    runs++;
  }
  const used = process.cpuUsage(start);
  const cpuSeconds = (used.user + used.system) / 1e6;
  const perSecond = Math.round(samples / cpuSeconds);
  console.log(
    `${name.padEnd(28)} ${String(samples).padStart(8)} samples in ${runs} bodies of ${(bytes / 1024).toFixed(0)} KiB: ` +
      `${cpuSeconds.toFixed(2)} CPU-s, ${perSecond.toLocaleString('en-US')} samples/CPU-s`,
  );
  return { name, samplesPerCpuSecond: perSecond };
}

/** OTLP protobuf and JSON, and DataDog v2 JSON and protobuf, about 1M samples each. */
export function benchOtlpParse(): ParseFigure[] {
  const otlp = otlpRequest();
  const otlpPb = ExportMetricsServiceRequest.encode(ExportMetricsServiceRequest.fromObject(otlp as Record<string, unknown>)).finish();
  const otlpJson = new TextEncoder().encode(JSON.stringify(otlp));
  const native = otlpNativeRequest();
  const nativePb = ExportMetricsServiceRequest.encode(ExportMetricsServiceRequest.fromObject(hexIds(native) as Record<string, unknown>)).finish();
  const nativeJson = new TextEncoder().encode(JSON.stringify(native));
  const dd = datadogRequest();
  const ddJson = new TextEncoder().encode(JSON.stringify(dd));
  const ddPb = MetricPayload.encode(MetricPayload.fromObject(dd as Record<string, unknown>)).finish();
  const now = 1_700_000_000_000;

  return [
    measure('otlp protobuf', otlpPb.length, () => parseOtlpMetrics(otlpPb, { format: 'protobuf', now })),
    measure('otlp json', otlpJson.length, () => parseOtlpMetrics(otlpJson, { format: 'json', now })),
    measure('otlp protobuf +suffixes', otlpPb.length, () => parseOtlpMetrics(otlpPb, { format: 'protobuf', now, translationStrategy: 'UnderscoreEscapingWithSuffixes' })),
    // A quarter of the points: these bodies cost ~4x more per point, so the run stays as long as the others.
    measure('otlp protobuf native+ex', nativePb.length, () => parseOtlpMetrics(nativePb, { format: 'protobuf', now }), TARGET_SAMPLES / 4),
    measure('otlp json native+ex', nativeJson.length, () => parseOtlpMetrics(nativeJson, { format: 'json', now }), TARGET_SAMPLES / 4),
    measure('datadog v2 json', ddJson.length, () => parseDatadogV2Series(ddJson, { format: 'json', now })),
    measure('datadog v2 protobuf', ddPb.length, () => parseDatadogV2Series(ddPb, { format: 'protobuf', now })),
  ];
}

if (isMain(import.meta.url)) benchOtlpParse();
