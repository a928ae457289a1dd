/**
 * Issue 12: hostile input through the real ingest pipeline (createIngest with in-memory fakes), every push
 * route. Properties (fast-check): nested, truncated, huge, invalid UTF-8, hostile compression and lying length
 * prefixes never answer 5xx and never answer more than MAX_REPLY_BYTES. Cost: the CPU time per input byte of
 * hostile bodies (bad lines or items repeated, nesting at the limit, invalid UTF-8, one huge line,
 * compression) stays within TIME_FACTOR of a valid body of the same size, measured as a ratio of
 * process.cpuUsage (never a wall-clock threshold).
 */
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ingestHarness } from '../../helpers/ingest.ts';
import { fill, lyingLengthPrefix, mutatedBytes, nestedJson, nestedProtobuf, varint, withInvalidUtf8 } from '../../helpers/fuzz.ts';
import { cpuMicros, leastOf } from '../../helpers/cost.ts';
import { V1Type as WriteRequestType } from '../../helpers/prom-proto-full.ts';
import { snappyCompress } from '../../../lib/remote-write/snappy.ts';
import { ExportMetricsServiceRequest } from '../../helpers/otlp-proto.ts';
import { MetricPayload } from '../../helpers/datadog-proto.ts';
import { MetricFamilyType } from '../../helpers/client-model-proto.ts';

/** Largest reply any hostile body may get: 10 listed errors of ~200-byte excerpts plus their reasons. */
const MAX_REPLY_BYTES = 8 * 1024;
/**
 * Hostile CPU per byte over valid CPU per byte. Generous: two-byte bad JSON lines (`x\n`) measure 4-9x (a
 * throw per line, cheaper per line than a good line); the quadratic CSV and JSON-line parsers measured 35-100x.
 */
const TIME_FACTOR = 20;
/**
 * Linearity: CPU per byte of a body of bad lines over that of the same lines in a body 4 times smaller. A
 * linear parser measures about 1 (less after JIT warm-up), a quadratic one about 4 (CSV without commas: 3.5).
 */
const GROWTH_LIMIT = 2.5;
/** Body size of the cost comparison: big enough that a quadratic parser shows, small enough to be quick. */
const COST_BYTES = 256 * 1024;
const RUNS = process.env['FUZZ_RUNS'] ? Number(process.env['FUZZ_RUNS']) : 30;

const enc = new TextEncoder();
const T = 1_700_000_000;
const PB = { 'content-type': 'application/x-protobuf' };
const JSON_CT = { 'content-type': 'application/json' };
const PG_PB = { 'content-type': 'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited' };

/** `unit(i)` for i = 0.. joined until about `bytes` bytes. */
function units(unit: (i: number) => string, bytes: number, sep = '', prefix = '', suffix = ''): string {
  const parts: string[] = [];
  let len = prefix.length + suffix.length;
  for (let i = 0; len < bytes || parts.length === 0; i++) {
    const u = unit(i);
    parts.push(u);
    len += u.length + sep.length;
  }
  return prefix + parts.join(sep) + suffix;
}

function otlpRequest(metrics: unknown[]): Record<string, unknown> {
  return { resourceMetrics: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] }, scopeMetrics: [{ metrics }] }] };
}
const otlpGauge = (i: number) => ({ name: `g${i}`, gauge: { dataPoints: [{ asDouble: 1.5, timeUnixNano: `${T}000000000`, attributes: [{ key: 'i', value: { intValue: i } }] }] } });
const otlpBad = [
  (i: number) => ({ name: `d${i}`, sum: { aggregationTemporality: 1, dataPoints: [{ asInt: '1' }] } }),
  (i: number) => ({ name: `e${i}`, exponentialHistogram: { aggregationTemporality: 2, dataPoints: [{ count: '1' }] } }),
  (i: number) => ({ name: `n${i}`, gauge: { dataPoints: [{ timeUnixNano: '1' }] } }),
  (_: number) => ({ name: '@#$', gauge: { dataPoints: [{ asDouble: 1 }] } }),
];
/** How many items of `item` fit in `bytes` of JSON (for protobuf the count of a JSON-sized body is close enough). */
const countFor = (item: unknown, bytes: number) => Math.max(1, Math.floor(bytes / JSON.stringify(item).length));
const otlpJson = (make: (i: number) => unknown, bytes: number) => enc.encode(JSON.stringify(otlpRequest(Array.from({ length: countFor(make(0), bytes) }, (_, i) => make(i)))));
const otlpPb = (make: (i: number) => unknown, bytes: number) =>
  ExportMetricsServiceRequest.encode(ExportMetricsServiceRequest.fromObject(otlpRequest(Array.from({ length: countFor(make(0), bytes / 2) }, (_, i) => make(i))))).finish();

const ddV2Good = (i: number) => ({ metric: `m${i % 100}`, points: [{ timestamp: T, value: 1.5 }], resources: [{ type: 'host', name: `h${i}` }], tags: ['env:prod'] });
const ddPb = (make: (i: number) => unknown, bytes: number) =>
  MetricPayload.encode(MetricPayload.fromObject({ series: Array.from({ length: countFor(make(0), bytes / 2) }, (_, i) => make(i)) })).finish();

const rwSeries = (i: number, name = true) => ({
  labels: [...(name ? [{ name: '__name__', value: `m${i % 100}` }] : []), { name: 'instance', value: `host-${i}` }, { name: 'job', value: 'j' }],
  samples: [{ value: 1.5, timestamp: T * 1000 }],
});
const rwBody = (n: number, name = true) => snappyCompress(WriteRequestType.encode(WriteRequestType.fromObject({ timeseries: Array.from({ length: n }, (_, i) => rwSeries(i, name)) })).finish());

const pgFamily = (i: number, name = `g${i}`) => MetricFamilyType.encodeDelimited(MetricFamilyType.fromObject({ name, type: 'GAUGE', metric: [{ label: [{ name: 'i', value: String(i) }], gauge: { value: 1.5 } }] })).finish();
const pgBody = (bytes: number, name?: (i: number) => string) => {
  const parts: Uint8Array[] = [];
  let len = 0;
  for (let i = 0; len < bytes; i++) {
    const p = pgFamily(i, name?.(i));
    parts.push(p);
    len += p.length;
  }
  return Buffer.concat(parts);
};

interface RouteSpec {
  name: string;
  path: string;
  headers?: Record<string, string>;
  /** A valid body of about `bytes` bytes. */
  valid(bytes: number): Uint8Array;
  /** Bodies of about `bytes` bytes made of bad lines or items (the cost comparison's hostile shapes). */
  bad(bytes: number): Uint8Array[];
  /** JSON routes: a body nesting `depth` containers where the format allows a value. */
  nested?(depth: number): string;
  protobuf?: boolean;
}

const jsonlineGood = (i: number) => `{"metric":{"__name__":"m","job":"j","i":"${i % 1000}"},"values":[1.5,2],"timestamps":[${T}000,${T}001]}\n`;
const opentsdbGood = (i: number) => `{"metric":"sys.cpu","timestamp":${T},"value":1.5,"tags":{"host":"h${i % 1000}"}}`;
const ddV1Good = (i: number) => `{"metric":"m${i % 100}","points":[[${T},1.5]],"tags":["env:prod"],"host":"h${i}"}`;

const ROUTES: RouteSpec[] = [
  {
    name: 'influx',
    path: '/write?precision=s',
    valid: (b) => enc.encode(units((i) => `cpu,host=h${i % 1000},dc=eu usage=1.5,idle=2i ${T}\n`, b)),
    bad: (b) => ['x\n', 'cpu,host=h1 usage=abc\n', 'cpu,=x usage=1\n', 'cpu usage="unterminated\n', 'cpu usage=1 12x\n', 'cpu' + ',a=b'.repeat(40) + '\n'].map((u) => fill(u, b)),
  },
  {
    name: 'remote_write',
    path: '/api/v1/write',
    protobuf: true,
    valid: (b) => rwBody(Math.floor(b / 40)),
    bad: (b) => [rwBody(Math.floor(b / 30), false)],
  },
  {
    name: 'jsonline',
    path: '/api/v1/import',
    valid: (b) => enc.encode(units(jsonlineGood, b)),
    bad: (b) =>
      ['x\n', '{"metric":{"__name__":"a"},"values":[x],"timestamps":[1]}\n', '{"metric":{},"values":[1],"timestamps":[1]}\n', '{"metric":{"__name__":"a"},"values":[1,2],"timestamps":[1]}\n', '{"metric":{"__name__":"a","b":"\\u12"}\n', '{"metric":' + '['.repeat(60) + '\n'].map((u) => fill(u, b)),
    nested: (d) => `{"metric":{"__name__":"a"},"values":[1],"timestamps":[1],"x":${nestedJson(d, 'array')}}`,
  },
  {
    name: 'csv',
    path: '/api/v1/import/csv?format=1:metric:m,2:label:host,3:time:unix_s',
    valid: (b) => enc.encode(units((i) => `1.5,web${i % 1000},${T}\n`, b)),
    bad: (b) => ['x\n', '"a\n', 'x,h,1\n', '1,h,nope\n', '"1"x,h\n', 'x'.repeat(60) + '\n'].map((u) => fill(u, b)),
  },
  {
    name: 'prometheus',
    path: '/api/v1/import/prometheus',
    valid: (b) => enc.encode(units((i) => `m{job="j",i="${i % 1000}"} 1.5 ${T}000\n`, b)),
    bad: (b) => ['a x\n', 'a{b="\n', 'a{b=c} 1\n', '{} 1\n', 'a{' + 'b="c",'.repeat(20) + '\n', '# TYPE a nonsense\n'].map((u) => fill(u, b)),
  },
  {
    name: 'pushgateway text',
    path: '/metrics/job/j',
    valid: (b) => enc.encode(units((i) => `m{i="${i}"} 1.5\n`, b)),
    bad: (b) => ['a x\n', 'a{b="\n', 'a{b=c} 1\n'].map((u) => fill(u, b)),
  },
  {
    name: 'pushgateway protobuf',
    path: '/metrics/job/j',
    headers: PG_PB,
    protobuf: true,
    valid: (b) => pgBody(b),
    bad: (b) => [pgBody(b, () => '0bad')],
  },
  {
    name: 'opentsdb',
    path: '/api/put',
    valid: (b) => enc.encode(units(opentsdbGood, b, ',', '[', ']')),
    bad: (b) => ['{"metric":"","value":1}', '1', '{"metric":"a","value":"x"}', '{"metric":"a","value":1,"tags":{"a":1}}', nestedJson(60, 'array')].map((u) => fill(u, b, { prefix: '[', sep: ',', suffix: ']' })),
    nested: (d) => `[{"metric":"m","value":1,"x":${nestedJson(d, 'array')}}]`,
  },
  {
    name: 'graphite',
    path: '/graphite',
    valid: (b) => enc.encode(units((i) => `a.b.c${i % 1000};dc=eu 1.5 ${T}\n`, b)),
    // The last: one line of tags without `=` (`a;x;x;...`), each tag used to search to the end of the line.
    bad: (b) => [...['x\n', 'a x\n', 'a' + ';x'.repeat(40) + ' x\n', 'a 1 2 3\n', ' '.repeat(60) + 'a\n'].map((u) => fill(u, b)), enc.encode('a' + ';x'.repeat(b / 2 - 4) + ' 1\n')],
  },
  {
    name: 'datadog v1',
    path: '/datadog/api/v1/series',
    headers: JSON_CT,
    valid: (b) => enc.encode(units(ddV1Good, b, ',', '{"series":[', ']}')),
    bad: (b) =>
      ['{"metric":"","points":[[1,1]]}', '1', '{"metric":"m","points":[["x",1]]}', '{"metric":"m","points":"x"}', nestedJson(40, 'array')].map((u) => fill(u, b, { prefix: `{"series":[${ddV1Good(0)},`, sep: ',', suffix: ']}' })),
    nested: (d) => `{"series":${nestedJson(d - 1, 'array', '')}}`,
  },
  {
    name: 'datadog v2',
    path: '/datadog/api/v2/series',
    headers: JSON_CT,
    valid: (b) => enc.encode(units((i) => JSON.stringify(ddV2Good(i)), b, ',', '{"series":[', ']}')),
    bad: (b) =>
      ['{"metric":"","points":[]}', '"x"', '{"metric":"m","points":[{"timestamp":"x","value":1}]}', '{"metric":"m","resources":[1],"points":[]}'].map((u) =>
        fill(u, b, { prefix: `{"series":[${JSON.stringify(ddV2Good(0))},`, sep: ',', suffix: ']}' }),
      ),
    nested: (d) => `{"series":[${nestedJson(Math.max(0, d - 2), 'object')}]}`,
  },
  {
    name: 'datadog v2 protobuf',
    path: '/datadog/api/v2/series',
    headers: PB,
    protobuf: true,
    valid: (b) => ddPb(ddV2Good, b),
    bad: (b) => [ddPb((i) => ({ metric: '', points: [{ timestamp: T, value: i }] }), b), ddPb((i) => ({ metric: 'm', points: [{ timestamp: 9e15, value: i }] }), b)],
  },
  {
    name: 'otlp json',
    path: '/opentelemetry/v1/metrics',
    headers: JSON_CT,
    valid: (b) => otlpJson(otlpGauge, b),
    bad: (b) => otlpBad.map((m) => otlpJson(m, b)),
    nested: (d) => `{"resourceMetrics":[],"x":${nestedJson(d - 1, 'array')}}`,
  },
  {
    name: 'otlp protobuf',
    path: '/opentelemetry/v1/metrics',
    headers: PB,
    protobuf: true,
    valid: (b) => otlpPb(otlpGauge, b),
    bad: (b) => otlpBad.map((m) => otlpPb(m, b)),
  },
];

/** Small limits, so that "huge" and "bomb" inputs reach every limit quickly. */
const LIMITS = { maxBodyBytes: 256 * 1024, maxDecompressedBodyBytes: 256 * 1024, maxLineLength: 4096 };

async function checkReply(h: ReturnType<typeof ingestHarness>, r: RouteSpec, body: Uint8Array, headers: Record<string, string> = {}): Promise<void> {
  const res = await h.call('POST', r.path, body, { ...r.headers, ...headers });
  const text = typeof res.body === 'string' ? res.body : Buffer.from(res.body).toString('latin1');
  assert.ok(res.status < 500, `${r.name}: ${res.status} ${text.slice(0, 300)}`);
  assert.ok(text.length <= MAX_REPLY_BYTES, `${r.name}: reply of ${text.length} bytes`);
}

function hostileArbitraries(r: RouteSpec): Record<string, fc.Arbitrary<{ body: Uint8Array; headers?: Record<string, string> }>> {
  const valid = r.valid(1024);
  const plain = (a: fc.Arbitrary<Uint8Array>) => a.map((body) => ({ body }));
  const encodings = ['gzip', 'deflate', 'zstd', 'snappy'] as const;
  const compress = (e: (typeof encodings)[number], b: Uint8Array): Uint8Array =>
    e === 'gzip' ? zlib.gzipSync(b) : e === 'deflate' ? zlib.deflateSync(b) : e === 'zstd' ? zlib.zstdCompressSync(b) : snappyCompress(b);
  // A body that decompresses past max_decompressed_body_bytes from a few hundred bytes.
  const bomb = Buffer.alloc(LIMITS.maxDecompressedBodyBytes + 1, 0x31);
  const json = r.nested !== undefined;
  return {
    nested: json
      ? fc.tuple(fc.integer({ min: 1, max: 5000 }), fc.constantFrom<'array' | 'object'>('array', 'object'), fc.boolean()).map(([d, kind, inRoute]) => ({
          body: enc.encode(inRoute ? r.nested!(d) : nestedJson(d, kind)),
        }))
      : r.protobuf
        ? fc.tuple(fc.integer({ min: 1, max: 20_000 }), fc.array(fc.integer({ min: 1, max: 15 }), { minLength: 1, maxLength: 4 })).map(([d, fields]) => ({ body: nestedProtobuf(d, fields) }))
        : fc.tuple(fc.integer({ min: 1, max: 5000 }), fc.constantFrom('[', '{', '(', '"', '{a="')).map(([d, c]) => ({ body: enc.encode(c.repeat(d) + '\n' + c.repeat(d)) })),
    truncated: plain(fc.nat(valid.length).map((n) => valid.subarray(0, n))),
    mutated: plain(mutatedBytes(valid)),
    huge: fc
      .constantFrom(
        'a'.repeat(LIMITS.maxLineLength + 1),
        '1'.repeat(100_000),
        `"${'x'.repeat(100_000)}"`,
        '\n'.repeat(100_000),
        '[' + '1,'.repeat(50_000) + '1]',
        '{' + '"a":1,'.repeat(20_000) + '"a":1}',
        'x'.repeat(LIMITS.maxBodyBytes + 1),
      )
      .map((s) => ({ body: enc.encode(s) })),
    'invalid UTF-8': plain(withInvalidUtf8(valid)),
    'hostile compression': fc.oneof(
      fc.tuple(fc.constantFrom(...encodings), fc.uint8Array({ maxLength: 64 })).map(([e, b]) => ({ body: b, headers: { 'content-encoding': e } })),
      fc.tuple(fc.constantFrom(...encodings), fc.nat()).map(([e, n]) => {
        const c = compress(e, valid);
        return { body: c.subarray(0, n % (c.length + 1)), headers: { 'content-encoding': e } };
      }),
      fc.constantFrom(...encodings).map((e) => ({ body: compress(e, bomb), headers: { 'content-encoding': e } })),
      fc.constantFrom(...encodings).map((e) => ({ body: compress(e, compress(e, valid)), headers: { 'content-encoding': e } })),
      fc.constantFrom('gzip, gzip', 'br', 'compress', 'identity, gzip').map((e) => ({ body: valid, headers: { 'content-encoding': e } })),
    ),
    // Protobuf bodies: length-delimited fields claiming more bytes than follow; every route: a snappy block
    // whose uncompressed-length preamble lies.
    'lying length prefixes': fc.oneof(
      ...(r.protobuf ? [plain(lyingLengthPrefix(r.name === 'remote_write' ? new Uint8Array(0) : valid))] : []),
      fc.tuple(fc.oneof(fc.nat(1 << 20), fc.constant(2 ** 32 - 1)), fc.uint8Array({ maxLength: 32 })).map(([len, tail]) => ({ body: Uint8Array.from([...varint(len), ...tail]), headers: { 'content-encoding': 'snappy' } })),
      fc.nat(1 << 20).map((len) => {
        const c = snappyCompress(valid);
        const pre = varint(len);
        let skip = 0;
        while (c[skip]! & 0x80) skip++;
        return { body: Uint8Array.from([...pre, ...c.subarray(skip + 1)]), headers: { 'content-encoding': 'snappy' } };
      }),
    ),
  };
}

describe('hostile input through the ingest pipeline: never 5xx, a bounded reply', () => {
  for (const r of ROUTES) {
    describe(r.name, () => {
      for (const [kind, arb] of Object.entries(hostileArbitraries(r))) {
        it(kind, async () => {
          const h = ingestHarness(LIMITS);
          await fc.assert(
            fc.asyncProperty(arb, async ({ body, headers }) => checkReply(h, r, body, headers)),
            { numRuns: RUNS },
          );
          assert.equal(h.logger.lines.filter((l) => l.level === 'error').length, 0, JSON.stringify(h.logger.lines.find((l) => l.level === 'error')));
        });
      }
    });
  }
});

/**
 * A CPU ratio, measured again (up to 3 times) while it is not below `limit`, keeping the least: another
 * process's load or a garbage collection in one run only ever adds time, so a repeated excess is the parser's.
 */
describe('hostile input costs at most TIME_FACTOR x the CPU per byte of valid input of the same size, and linear', () => {
  for (const r of ROUTES) {
    it(r.name, async (t) => {
      const h = ingestHarness();
      const call = (body: Uint8Array, headers: Record<string, string> = {}) => h.call('POST', r.path, body, { ...r.headers, ...headers });
      const valid = r.valid(COST_BYTES);
      await call(valid); // loads the route's code
      const perByte = (await cpuMicros(() => call(valid))) / valid.length;
      const shapes: [string, Uint8Array, Record<string, string>?][] = r.bad(COST_BYTES).map((b, i) => [`bad #${i + 1}`, b]);
      if (r.nested) shapes.push(['nesting at the limit, repeated', enc.encode(r.nested(40).repeat(Math.floor(COST_BYTES / r.nested(40).length)))]);
      if (!r.protobuf) {
        const broken = Uint8Array.from(valid);
        for (let i = 3; i < broken.length; i += 7) broken[i] = 0xff;
        shapes.push(['invalid UTF-8 every 7th byte', broken]);
        shapes.push(['one huge line', enc.encode('a'.repeat(COST_BYTES))]);
      }
      shapes.push(['truncated', valid.subarray(0, valid.length - 3)]);
      // Compression is compared per decompressed byte: what the limits bound.
      const gz = zlib.gzipSync(valid);
      const report: string[] = [];
      for (const [name, body, headers] of [...shapes, ['gzip of the valid body', gz, { 'content-encoding': 'gzip' }] as const]) {
        const size = name.startsWith('gzip') ? valid.length : body.length;
        const res = await call(body, headers);
        assert.ok(res.status < 500, `${name}: ${res.status}`);
        const ratio = await leastOf(TIME_FACTOR, async () => (await cpuMicros(() => call(body, headers))) / size / perByte);
        report.push(`${name} ${ratio.toFixed(2)}`);
        assert.ok(ratio < TIME_FACTOR, `${r.name}: ${name}: ${ratio.toFixed(1)}x the CPU per byte of a valid body (${report.join(', ')})`);
      }
      const growth: string[] = [];
      const small = r.bad(COST_BYTES / 4);
      for (const [i, big] of r.bad(COST_BYTES).entries()) {
        const g = await leastOf(GROWTH_LIMIT, async () => (await cpuMicros(() => call(big))) / big.length / ((await cpuMicros(() => call(small[i]!), 5)) / small[i]!.length));
        growth.push(`bad #${i + 1} ${g.toFixed(2)}`);
        assert.ok(g < GROWTH_LIMIT, `${r.name}: bad #${i + 1}: CPU per byte grows ${g.toFixed(1)}x from ${small[i]!.length} to ${big.length} bytes`);
      }
      t.diagnostic(`${r.name}: valid ${(perByte * 1000).toFixed(0)} ns/byte; hostile/valid: ${report.join(', ')}; growth x4 size: ${growth.join(', ')}`);
    });
  }
});
