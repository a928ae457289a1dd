import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parsePrometheusTextBatch, parsePrometheusTextForPush, parseTextBytesBatch } from '../../../../lib/ingest/prometheus/parse.ts';
import { readValue, readValueToken, TokenOut } from '../../../../lib/ingest/prometheus/byte-tokens.ts';
import { parseInfluxBatch } from '../../../../lib/ingest/influx/parse.ts';
import { returnBatch } from '../../../../lib/ingest/batch-pool.ts';
import { finalizeBatch, finalizeSeries } from '../../../../lib/ingest/finalize.ts';
import { compileRelabelConfigs } from '../../../../lib/relabel/index.ts';
import { DEFAULT_LIMITS } from '../../../../lib/config/schema.ts';
import { encodeTimeSeries } from '../../../../lib/remote-write/encode.ts';
import { encodeBatchSeries, groupBatch, seriesBodies } from '../../../../lib/remote-write/encode-batch.ts';
import type { FloatBatch } from '../../../../lib/model/batch.ts';

const NOW = 1_700_000_000_000;
const noRelabel = compileRelabelConfigs([], 'relabel_configs');

/** The WriteRequest bytes the object path queues for the body (parse into TimeSeries, finalizeSeries, encodeTimeSeries). */
function objectBytes(body: string): string {
  const r = parsePrometheusTextForPush(body, { defaultTimestamp: NOW });
  const { series } = finalizeSeries(r.series, { extraLabels: [], relabel: noRelabel, externalLabels: [], limits: LIMITS, protocol: 'p', ...(r.distinctLabelSets ? { distinctLabelSets: true } : {}) });
  return Buffer.from(encodeTimeSeries(series)).toString('hex');
}

/** Limits that take the long lines below (the 16 KiB frame). */
const LIMITS = { ...DEFAULT_LIMITS, maxLabelsPerSeries: 1000 };

/** Whether `out` lies inside the batch's arena (small Buffers share Node's pool: the ArrayBuffer alone says nothing). */
function inArena(out: Uint8Array, b: FloatBatch): boolean {
  return out.buffer === b.buf.buffer && out.byteOffset >= b.buf.byteOffset && out.byteOffset + out.length <= b.buf.byteOffset + b.buf.length;
}

/** encodeBatchSeries of every series of the batch, whether it came out as a view of the batch's arena (nothing copied), and whether entries were grouped. */
function batchBytes(b: FloatBatch): { hex: string; view: boolean; grouped: boolean } {
  const g = finalizeBatch(b, true, LIMITS, 'p')!;
  const out = encodeBatchSeries(b, g, seriesBodies(b, g), 0, g.count);
  return { hex: out.toString('hex'), view: inArena(out, b), grouped: g.order !== undefined };
}

/** The body read both ways (bytes, as the route reads it, and the decoded string): queues the object path's bytes, a view of the arena when framed and not grouped. */
function check(body: string, framed: boolean): void {
  for (const b of [parseTextBytesBatch(Buffer.from(body), { defaultTimestamp: NOW }).batch, parsePrometheusTextBatch(body, { defaultTimestamp: NOW }).batch]) {
    assert.equal(b.framed, framed, body.slice(0, 80));
    const got = batchBytes(b);
    assert.equal(got.hex, objectBytes(body), body.slice(0, 80));
    assert.equal(got.view, framed && !got.grouped);
  }
}

describe('text import frames (batch-text.ts): each line written whole, the arena handed out as the WriteRequest', () => {
  it('the bench-like lines: framed, distinct, the encoded bytes a view of the arena equal to the object path', () => {
    const lines = Array.from({ length: 300 }, (_, i) => `bench_prom_metric_${i % 50}{instance="host-${i}:9100",job="node",mode="${['user', 'system'][i % 2]}",series="${i}"} ${(i % 1000) / 8} ${NOW + i}`);
    check(lines.join('\n'), true);
  });

  it('samples of every encoded shape: +0 (no value field), -0, NaN, timestamp 0 (no field), negative and large timestamps, default timestamps', () => {
    check('a 0 5\nb -0 5\nc NaN 0\nd{x="1"} 1.5 -1\ne 2 9007199254740991\nf 3\ng{y="2"} +Inf\nh -1e-300 1\n', true);
  });

  it('lines the ordinary scanner writes (escapes, blanks, empty values, long names) are frames too', () => {
    check(`m{a="x\\"y"} 1\nm {b="2"} 2\nm{a="",c="3"} 3\n${'n'.repeat(200)}{a="1"} 4\nm{a="é"} 5\nm{ a = "6" } 6\n`, true);
  });

  it('frames whose header is not the size the last one needed are moved: bodies alternating under and over 128 bytes, and one over 16 KiB', () => {
    const lines: string[] = [];
    for (let i = 0; i < 40; i++) lines.push(`m{a="${'v'.repeat(i % 2 ? 10 : 110)}",z="${i}"} ${i} ${NOW}`);
    const many = Array.from({ length: 160 }, (_, k) => `l${String(k).padStart(3, '0')}="${'w'.repeat(100)}"`).join(',');
    lines.push(`big{${many}} 1`, 'small 2', `big2{${many}} 3`, `big3{${many}} 4`, 'small 5');
    check(lines.join('\n'), true);
    check(lines.reverse().join('\n'), true);
  });

  it('a label sorting before __name__ clears framed (its name then goes in the middle): the bytes are still the object path\'s, encoded by copying', () => {
    check('m{A="1",b="2"} 1\nn 2\n', false);
    check('n 2\nm{_A="x"} 1\n', false);
    check('n 2\nm{_a="x"} 1\n', true);
    check('m{a="1"} 1\nm{__a="1"} 1\n', false);
  });

  it('equal series in one body (not distinct): grouped and encoded by copying, the same bytes', () => {
    check('m{a="1"} 1 1\nm{a="1"} 2 2\nn 3\n', true);
    assert.equal(batchBytes(parseTextBytesBatch(Buffer.from('m{a="1"} 1 1\nm{a="1"} 2 2\n'), { defaultTimestamp: NOW }).batch).grouped, true);
  });

  it('a sub-range of the series is a view of the arena too (packBatch encodes a message at a time)', () => {
    const body = Array.from({ length: 50 }, (_, i) => `m_${i}{i="${'x'.repeat(i * 3)}"} ${i} ${NOW + i}`).join('\n');
    const b = parseTextBytesBatch(Buffer.from(body), { defaultTimestamp: NOW }).batch;
    const g = groupBatch(b);
    const bodies = seriesBodies(b, g);
    const whole = Buffer.from(encodeBatchSeries(b, g, bodies, 0, g.count));
    let at = 0;
    for (const [from, to] of [[0, 7], [7, 8], [8, 49], [49, 50]] as const) {
      const part = encodeBatchSeries(b, g, bodies, from, to);
      assert.ok(inArena(part, b));
      assert.deepEqual(Buffer.from(part), whole.subarray(at, at + part.length));
      at += part.length;
    }
    assert.equal(at, whole.length);
  });

  it('a framed batch given back to the pool and taken by the Influx parser is not framed: it encodes as a new batch', () => {
    const text = parseTextBytesBatch(Buffer.from('m{a="1"} 1 1\nn 2 2\n'), { defaultTimestamp: NOW }).batch;
    assert.equal(text.framed, true);
    returnBatch(text);
    const influx = parseInfluxBatch(Buffer.from('cpu,host=a v=1,w=2 1\nmem,host=b x=3 2'), { now: NOW, precision: 'ns', maxLineLength: 1 << 20 }).batch;
    assert.equal(influx, text, 'the pooled batch was taken');
    assert.equal(influx.framed, false);
    const g = groupBatch(influx);
    assert.equal(inArena(encodeBatchSeries(influx, g, seriesBodies(influx, g), 0, g.count), influx), false);
  });
});

describe('readValueToken: the value token found and read in one pass', () => {
  // byte-lines.ts' FLAGS for the bytes that end a token: blank (16), line end (32).
  const flags = new Uint8Array(256);
  flags[0x20] = flags[0x09] = 16;
  flags[0x0a] = flags[0x0d] = 32;
  const ENDS = 16 | 32;

  /** What byte-lines read before: the token up to a blank or line end, then readValue. */
  function scanThenRead(b: Uint8Array, start: number, out: TokenOut): number {
    let p = start;
    while (p < b.length && !(flags[b[p]!]! & ENDS)) p++;
    return p !== start && readValue(b, start, p, out) ? p : -1;
  }

  it('gives the position and value the scan then readValue gave, for every token (property)', () => {
    const token = fc.oneof(
      fc.stringMatching(/^[+-]?[0-9]{0,18}(\.[0-9]{0,18})?$/),
      fc.constantFrom('NaN', '+Inf', '-Inf', '1e5', '1.5e-3', '0x1p-2', '1.', '.5', '-.5', '1.5.5', '1_0', 'é', '', '+', '-', '123456789012345', '1234567890123456', '1.23456789012345', '12345678901234.5', '0.000000000000001'),
    );
    const end = fc.constantFrom('', ' ', '\t', '\n', '\r', 'x', '#', ' 1', 'é');
    fc.assert(
      fc.property(token, end, (t, e) => {
        const b = Buffer.from(`${t}${e}`);
        const a = new TokenOut();
        const c = new TokenOut();
        const got = readValueToken(b, b.length, 0, a, flags, ENDS);
        const want = scanThenRead(b, 0, c);
        assert.equal(got, want, JSON.stringify(t + e));
        if (want >= 0) assert.ok(Object.is(a.value, c.value), `${JSON.stringify(t + e)}: ${a.value} vs ${c.value}`);
      }),
      { numRuns: 5000 },
    );
  });
});
