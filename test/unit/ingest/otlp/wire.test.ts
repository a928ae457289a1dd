import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs';
import { parseOtlpMetrics } from '../../../../lib/ingest/otlp/parse.ts';
import { NOW, render, renderExemplars, renderHistograms } from './helpers.ts';

/**
 * Bodies written field by field with the numbers and wire types of opentelemetry-proto (metrics.proto,
 * common.proto, resource.proto, metrics_service.proto), independently of the parser's descriptor: a wrong
 * field number or type in the descriptor fails here.
 */
type W = protobuf.Writer;
const LEN = 2;
const I64 = 1;
const VARINT = 0;

function msg(build: (w: W) => void): Uint8Array {
  const w = protobuf.Writer.create();
  build(w);
  return w.finish();
}
function bytesField(w: W, id: number, b: Uint8Array): void {
  w.uint32((id << 3) | LEN).bytes(b);
}
function stringField(w: W, id: number, s: string): void {
  w.uint32((id << 3) | LEN).string(s);
}
function fixed64(w: W, id: number, v: string): void {
  w.uint32((id << 3) | I64).fixed64(v);
}
function double(w: W, id: number, v: number): void {
  w.uint32((id << 3) | I64).double(v);
}
/** KeyValue{key=1, value=2: AnyValue{string_value=1}} */
function kv(key: string, value: string): Uint8Array {
  return msg((w) => {
    stringField(w, 1, key);
    bytesField(w, 2, msg((a) => stringField(a, 1, value)));
  });
}

const T = '1700000000123456789';
const MS = 1700000000123;

function body(): Uint8Array {
  const exemplar = msg((e) => {
    bytesField(e, 7, kv('user', 'u')); // filtered_attributes = 7
    fixed64(e, 2, T); // time_unix_nano = 2
    e.uint32((6 << 3) | 1).sfixed64(7); // as_int = 6
    bytesField(e, 4, Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8])); // span_id = 4
    bytesField(e, 5, Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16])); // trace_id = 5
  });
  const gaugePoint = msg((p) => {
    bytesField(p, 7, kv('k', 'v')); // NumberDataPoint.attributes = 7
    fixed64(p, 3, T); // time_unix_nano = 3
    double(p, 4, 1.5); // as_double = 4
  });
  const intPoint = msg((p) => {
    fixed64(p, 3, T);
    p.uint32((6 << 3) | I64).sfixed64('-3'); // as_int = 6 (sfixed64)
    p.uint32((8 << 3) | VARINT).uint32(0); // flags = 8
  });
  const stalePoint = msg((p) => {
    fixed64(p, 3, '1700000001000000000');
    p.uint32((8 << 3) | VARINT).uint32(1);
    bytesField(p, 5, exemplar); // exemplars = 5
  });
  const histPoint = msg((p) => {
    bytesField(p, 9, kv('h', 'x')); // HistogramDataPoint.attributes = 9
    fixed64(p, 3, T);
    fixed64(p, 4, '5'); // count = 4
    double(p, 5, 0); // optional sum = 5 (present although 0)
    const counts = protobuf.Writer.create();
    counts.fixed64('2').fixed64('3');
    bytesField(p, 6, counts.finish()); // bucket_counts = 6, packed
    const bounds = protobuf.Writer.create();
    bounds.double(0.5);
    bytesField(p, 7, bounds.finish()); // explicit_bounds = 7, packed
  });
  // ExponentialHistogramDataPoint: scale 9 (downscaled to 8), positive offset 0 counts [1,0], negative offset -9 counts [1].
  const buckets = (offset: number, counts: number[]) =>
    msg((b) => {
      b.uint32((1 << 3) | VARINT).sint32(offset); // Buckets.offset = 1, sint32
      const packed = protobuf.Writer.create();
      for (const c of counts) packed.uint64(c);
      bytesField(b, 2, packed.finish()); // bucket_counts = 2, packed uint64
    });
  const expPoint = msg((p) => {
    fixed64(p, 2, '1700000000000000000'); // start_time_unix_nano = 2
    fixed64(p, 3, T);
    fixed64(p, 4, '3'); // count = 4
    double(p, 5, 1.5); // sum = 5
    p.uint32((6 << 3) | VARINT).sint32(9); // scale = 6, sint32
    fixed64(p, 7, '1'); // zero_count = 7
    bytesField(p, 8, buckets(0, [1, 0])); // positive = 8
    bytesField(p, 9, buckets(-9, [1])); // negative = 9
    double(p, 14, 0.5); // zero_threshold = 14 (ignored, as Prometheus does)
  });
  const summaryPoint = msg((p) => {
    fixed64(p, 3, T);
    fixed64(p, 4, '2'); // count = 4
    double(p, 5, 3); // sum = 5
    bytesField(p, 6, msg((q) => { double(q, 1, 0.5); double(q, 2, 1.25); })); // quantile_values = 6
  });
  const metrics = [
    msg((m) => { stringField(m, 1, 'g'); bytesField(m, 5, msg((g) => { bytesField(g, 1, gaugePoint); bytesField(g, 1, intPoint); })); }), // gauge = 5
    msg((m) => {
      stringField(m, 1, 'c');
      bytesField(m, 7, msg((s) => { bytesField(s, 1, stalePoint); s.uint32((2 << 3) | VARINT).uint32(2); s.uint32((3 << 3) | VARINT).bool(true); })); // sum = 7
    }),
    msg((m) => { stringField(m, 1, 'h'); bytesField(m, 9, msg((h) => { bytesField(h, 1, histPoint); h.uint32((2 << 3) | VARINT).uint32(2); })); }), // histogram = 9
    msg((m) => { stringField(m, 1, 'e'); bytesField(m, 10, msg((h) => { bytesField(h, 1, expPoint); h.uint32((2 << 3) | VARINT).uint32(2); })); }), // exponential_histogram = 10
    msg((m) => { stringField(m, 1, 's'); bytesField(m, 11, msg((h) => bytesField(h, 1, summaryPoint))); }), // summary = 11
  ];
  const scope = msg((s) => {
    bytesField(s, 1, msg((i) => stringField(i, 1, 'lib'))); // scope = 1
    for (const m of metrics) bytesField(s, 2, m); // metrics = 2
  });
  const resource = msg((r) => { bytesField(r, 1, kv('service.name', 'svc')); bytesField(r, 1, kv('service.instance.id', 'i1')); });
  const rm = msg((r) => { bytesField(r, 1, resource); bytesField(r, 2, scope); }); // resource = 1, scope_metrics = 2
  return msg((w) => bytesField(w, 1, rm)); // ExportMetricsServiceRequest.resource_metrics = 1
}

describe('OTLP protobuf wire compatibility', () => {
  it('decodes a body written with the upstream field numbers', () => {
    const r = parseOtlpMetrics(body(), { format: 'protobuf', now: NOW });
    assert.deepEqual(render(r.series), [
      `c{instance="i1",job="svc"} STALE@1700000001000`,
      `g{instance="i1",job="svc",k="v"} 1.5@${MS}`,
      `g{instance="i1",job="svc"} -3@${MS}`,
      `h_bucket{h="x",instance="i1",job="svc",le="+Inf"} 5@${MS}`,
      `h_bucket{h="x",instance="i1",job="svc",le="0.5"} 2@${MS}`,
      `h_count{h="x",instance="i1",job="svc"} 5@${MS}`,
      `h_sum{h="x",instance="i1",job="svc"} 0@${MS}`,
      `s_count{instance="i1",job="svc"} 2@${MS}`,
      `s_sum{instance="i1",job="svc"} 3@${MS}`,
      `s{instance="i1",job="svc",quantile="0.5"} 1.25@${MS}`,
    ]);
    assert.deepEqual(renderHistograms(r.series), [
      `e{instance="i1",job="svc"} H(count=3,sum=1.5,schema=8,zero=1/1e-128,reset=0,+[1:1]:[1],-[-4:1]:[1])@${MS} st=1700000000000`,
    ]);
    assert.deepEqual(renderExemplars(r.series), [
      `c{instance="i1",job="svc"} {span_id="0102030405060708",trace_id="0102030405060708090a0b0c0d0e0f10",user="u"} 7@${MS}`,
    ]);
    assert.equal(r.errors.length, 0);
    assert.equal(r.rejectedPoints, 0);
  });

  it('skips fields it does not know (forward compatibility)', () => {
    const withUnknown = msg((w) => {
      w.uint32((99 << 3) | LEN).string('future');
      const inner = body();
      w.uint32((1 << 3) | LEN).bytes(parseInnerResourceMetrics(inner));
    });
    const r = parseOtlpMetrics(withUnknown, { format: 'protobuf', now: NOW });
    assert.ok(r.series.length > 0);
  });
});

/** The first resource_metrics payload of a request body. */
function parseInnerResourceMetrics(req: Uint8Array): Uint8Array {
  const reader = protobuf.Reader.create(req);
  reader.uint32();
  return reader.bytes();
}
