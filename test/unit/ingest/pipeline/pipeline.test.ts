import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { ingestHarness } from '../../../helpers/ingest.ts';
import { unpackMessage } from '../../../../lib/queue/unpack.ts';
import { encodeWriteRequest } from '../../../../lib/remote-write/encode.ts';
import { snappyCompress } from '../../../../lib/remote-write/snappy.ts';
import { formatSeries } from '../../../../lib/model/labels.ts';

async function queued(h: ReturnType<typeof ingestHarness>): Promise<string[]> {
  const out: string[] = [];
  for (const m of h.queue.sent) {
    const wr = await unpackMessage(m.body, m.attributes, h.blobs);
    for (const s of wr.timeseries) for (const x of s.samples) out.push(`${formatSeries(s.labels)} ${x.value} ${x.timestamp}`);
  }
  return out;
}

const rw = (series: { labels: { name: string; value: string }[]; samples: { value: number; timestamp: number }[] }[]) =>
  snappyCompress(encodeWriteRequest({ timeseries: series, metadata: [] }));

describe('ingest pipeline', () => {
  it('queues Influx lines with labels sorted and answers 204', async () => {
    const h = ingestHarness();
    const res = await h.call('POST', '/write?db=jobs', 'cpu,zone=b,host=a usage=1 1000000000');
    assert.equal(res.status, 204);
    assert.deepEqual(await queued(h), ['cpu_usage{db="jobs",host="a",zone="b"} 1 1000']);
    assert.equal(h.queue.sent[0]!.attributes.source, 'push');
    assert.equal(h.queue.sent[0]!.attributes.samples, '1');
  });

  it('partial Influx write: good lines queued, 400 names the bad line number and reason', async () => {
    const h = ingestHarness();
    const res = await h.call('POST', '/api/v2/write', 'a v=1 1000000\nb v=oops 1000000\nc v=3 1000000');
    assert.equal(res.status, 400);
    const body = JSON.parse(String(res.body));
    assert.equal(body.code, 'invalid');
    assert.match(body.message, /^influx: partial write: unable to parse line 2 "b v=oops 1000000": invalid field value "oops" for field "v"/);
    assert.deepEqual(await queued(h), ['a_v{} 1 1', 'c_v{} 3 1']);
  });

  it('an Influx body with only bad lines queues nothing', async () => {
    const h = ingestHarness();
    const res = await h.call('POST', '/write', 'nonsense');
    assert.equal(res.status, 400);
    assert.match(JSON.parse(String(res.body)).error, /^influx: unable to parse line 1 "nonsense": missing fields/);
    assert.equal(h.queue.sent.length, 0);
  });

  it('queues remote_write and answers 204', async () => {
    const h = ingestHarness();
    const res = await h.call('POST', '/api/v1/write', rw([{ labels: [{ name: '__name__', value: 'up' }, { name: 'job', value: 'x' }], samples: [{ value: 1, timestamp: 5 }] }]), { 'content-encoding': 'snappy', 'content-type': 'application/x-protobuf' });
    assert.equal(res.status, 204);
    assert.deepEqual(await queued(h), ['up{job="x"} 1 5']);
  });

  const bad: { name: string; path: string; body: string | Uint8Array; headers?: Record<string, string>; status: number; want: RegExp }[] = [
    { name: 'remote_write body that is not snappy', path: '/api/v1/write', body: 'hello', headers: { 'content-encoding': 'snappy' }, status: 400, want: /^remote_write: body is not (valid )?snappy/ },
    { name: 'remote_write body that is snappy but not protobuf', path: '/api/v1/write', body: snappyCompress(Buffer.from([0x0f, 0x01, 0x02])), status: 400, want: /^remote_write: cannot decode protobuf WriteRequest at byte/ },
    { name: 'remote_write with an unknown protobuf message', path: '/api/v1/write', body: rw([]), headers: { 'content-type': 'application/x-protobuf;proto=io.prometheus.write.v3.Request' }, status: 415, want: /unsupported protobuf message "io\.prometheus\.write\.v3\.Request"/ },
    { name: 'remote_write with a non-protobuf Content-Type', path: '/api/v1/write', body: rw([]), headers: { 'content-type': 'application/json' }, status: 415, want: /unsupported Content-Type "application\/json"/ },
    { name: 'unknown Content-Encoding', path: '/write', body: 'a v=1', headers: { 'content-encoding': 'br' }, status: 415, want: /^influx: unsupported Content-Encoding "br"/ },
    { name: 'gzip header on a plain body', path: '/write', body: 'a v=1', headers: { 'content-encoding': 'gzip' }, status: 400, want: /^influx: cannot decompress gzip body/ },
    { name: 'bad precision', path: '/write?precision=days', body: 'a v=1', status: 400, want: /^influx: invalid precision "days"/ },
    { name: 'malformed extra_label', path: '/write?extra_label=nope', body: 'a v=1', status: 400, want: /^influx: extra_label "nope" must be name=value/ },
  ];
  for (const c of bad) {
    it(`rejects ${c.name} with ${c.status} and queues nothing`, async () => {
      const h = ingestHarness();
      const res = await h.call('POST', c.path, c.body, c.headers);
      assert.equal(res.status, c.status, String(res.body));
      assert.match(String(res.body), c.want);
      assert.equal(h.queue.sent.length, 0);
    });
  }

  it('unknown route is 404, wrong method is 405 with Allow', async () => {
    const h = ingestHarness();
    const a = await h.call('POST', '/nope', 'x');
    assert.equal(a.status, 404);
    assert.match(String(a.body), /no ingest route for "\/nope"/);
    const b = await h.call('GET', '/api/v1/write');
    assert.equal(b.status, 405);
    assert.equal(b.headers.allow, 'POST');
  });

  it('body size limit: at the limit accepted, one byte over is 413 before decompression', async () => {
    const line = 'a v=1 1000000';
    const h = ingestHarness({ maxBodyBytes: line.length });
    assert.equal((await h.call('POST', '/write', line)).status, 204);
    const over = await h.call('POST', '/write', line + '0');
    assert.equal(over.status, 413);
    assert.match(String(over.body), new RegExp(`^influx: body of ${line.length + 1} bytes exceeds max_body_bytes=${line.length}`));
  });

  it('decompressed size limit: at the limit accepted, one byte over is 413 (gzip, zstd, snappy, deflate)', async () => {
    const line = 'a v=1 1000000';
    const encoders: Record<string, (b: Buffer) => Uint8Array> = {
      gzip: (b) => zlib.gzipSync(b),
      deflate: (b) => zlib.deflateSync(b),
      zstd: (b) => zlib.zstdCompressSync(b),
      snappy: (b) => snappyCompress(b),
    };
    for (const [enc, f] of Object.entries(encoders)) {
      const h = ingestHarness({ maxDecompressedBodyBytes: line.length });
      assert.equal((await h.call('POST', '/write', f(Buffer.from(line)), { 'content-encoding': enc })).status, 204, enc);
      const over = await h.call('POST', '/write', f(Buffer.from(line + '0')), { 'content-encoding': enc });
      assert.equal(over.status, 413, enc);
      assert.match(String(over.body), /exceeds max_decompressed_body_bytes=13/, enc);
      assert.equal(h.queue.sent.length, 1, `${enc}: only the accepted body was queued`);
    }
  });

  it('label limits: at the limit accepted, past it 400 naming the limit', async () => {
    const h = ingestHarness({ maxLabelsPerSeries: 3, maxLabelNameLength: 8, maxLabelValueLength: 4 });
    assert.equal((await h.call('POST', '/write', 'm,a=1,b=2 v=1')).status, 204);
    assert.match(String((await h.call('POST', '/write', 'm,a=1,b=2,c=3 v=1')).body), /influx: series 1 .* has 4 labels, over max_labels_per_series=3/);
    assert.equal((await h.call('POST', '/write', 'm,abcdefgh=1 v=1')).status, 204);
    assert.match(String((await h.call('POST', '/write', 'm,abcdefghi=1 v=1')).body), /label name "abcdefghi" of 9 characters is over max_label_name_length=8/);
    assert.equal((await h.call('POST', '/write', 'm,a=1234 v=1')).status, 204);
    assert.match(String((await h.call('POST', '/write', 'm,a=12345 v=1')).body), /value of label "a" has 5 characters, over max_label_value_length=4/);
  });

  it('series limit: at the limit accepted, past it 413', async () => {
    const h = ingestHarness({ maxSeriesPerRequest: 2 });
    assert.equal((await h.call('POST', '/write', 'm a=1,b=2')).status, 204);
    const r = await h.call('POST', '/write', 'm a=1,b=2,c=3');
    assert.equal(r.status, 413);
    assert.match(String(r.body), /request has 3 series, over max_series_per_request=2/);
  });

  it('extra_label overrides labels; tenant prefix sets the tenant attribute', async () => {
    const h = ingestHarness();
    assert.equal((await h.call('POST', '/insert/team-a/influx/write?extra_label=env=prod&extra_label=host=z', 'm,host=a v=1 1000000')).status, 204);
    assert.deepEqual(await queued(h), ['m_v{env="prod",host="z"} 1 1']);
    assert.equal(h.queue.sent[0]!.attributes.tenant, 'team-a');
  });

  it('merges samples of one series from several lines into one series, in timestamp order', async () => {
    const h = ingestHarness();
    await h.call('POST', '/write', 'm v=2 2000000\nm v=1 1000000\nm v=3 3000000');
    const wr = await unpackMessage(h.queue.sent[0]!.body, h.queue.sent[0]!.attributes, h.blobs);
    assert.equal(wr.timeseries.length, 1);
    assert.deepEqual(wr.timeseries[0]!.samples.map((s) => s.timestamp), [1, 2, 3]);
  });

  it('a queue outage is a 503 with Retry-After, and is logged', async () => {
    const h = ingestHarness();
    h.queue.failWith = new Error('SQS down');
    const r = await h.call('POST', '/write', 'm v=1');
    assert.equal(r.status, 503);
    assert.equal(r.headers['retry-after'], '5');
    assert.ok(h.logger.lines.some((l) => l.level === 'error' && String(l.fields?.error).includes('SQS down')));
  });

  it('Influx stubs answer what clients expect', async () => {
    const h = ingestHarness();
    assert.equal((await h.call('GET', '/ping')).status, 204);
    assert.equal((await h.call('POST', '/query?q=CREATE+DATABASE+x')).status, 200);
    assert.equal((await h.call('GET', '/health')).status, 200);
  });

  it('counts requests, samples and rejected lines per protocol', async () => {
    const h = ingestHarness();
    await h.call('POST', '/write', 'a v=1\nbad');
    assert.equal(h.metrics.get('ingest_samples_total', { protocol: 'influx' }), 1);
    assert.equal(h.metrics.get('ingest_rejected_lines_total', { protocol: 'influx' }), 1);
    assert.equal(h.metrics.get('ingest_requests_total', { protocol: 'influx', status: '400' }), 1);
  });
});

describe('ingest relabeling', () => {
  it('applies relabel_configs, drops __ labels, adds external labels without overriding, then checks limits', async () => {
    const { compileRelabelConfigs } = await import('../../../../lib/relabel/index.ts');
    const relabel = compileRelabelConfigs(
      [
        { action: 'drop', source_labels: ['host'], regex: 'secret-.*' },
        { source_labels: ['host'], target_label: '__tmp', replacement: 'x' },
        { source_labels: ['host'], regex: '(.*)-(\\d+)', target_label: 'shard', replacement: '$2' },
      ],
      'relabel_configs',
    );
    const h = ingestHarness({ maxLabelsPerSeries: 5 }, undefined, { relabel, externalLabels: [{ name: 'cluster', value: 'eu' }, { name: 'host', value: 'never' }] });
    const r = await h.call('POST', '/write', 'm,host=web-7 v=1 1000000\nm,host=secret-1 v=2 1000000');
    assert.equal(r.status, 204);
    assert.deepEqual(await queued(h), ['m_v{cluster="eu",host="web-7",shard="7"} 1 1']);
    assert.equal(h.metrics.get('ingest_relabel_dropped_series_total', { protocol: 'influx' }), 1);
  });
});

describe('series that break the label rules', () => {
  const bad = { labels: [{ name: '__name__', value: 'dup' }, { name: 'a', value: '1' }, { name: 'a', value: '2' }], samples: [{ value: 1, timestamp: 1 }] };
  const good = { labels: [{ name: '__name__', value: 'ok' }], samples: [{ value: 2, timestamp: 2 }] };
  const headers = { 'content-encoding': 'snappy', 'content-type': 'application/x-protobuf' };

  it('are left out and counted while the valid series of the batch are queued (204, as VictoriaMetrics)', async () => {
    const h = ingestHarness();
    const r = await h.call('POST', '/api/v1/write', rw([bad, good]), headers);
    assert.equal(r.status, 204);
    assert.equal(r.headers['x-gateway-rejected-lines'], '1');
    assert.deepEqual(await queued(h), ['ok{} 2 2']);
    assert.equal(h.metrics.get('ingest_rejected_lines_total', { protocol: 'remote_write' }), 1);
  });

  it('a batch with nothing valid is a 400 naming the series and the reason', async () => {
    const h = ingestHarness();
    const r = await h.call('POST', '/api/v1/write', rw([bad]), headers);
    assert.equal(r.status, 400);
    assert.match(String(r.body), /remote_write: 1 invalid series; nothing was accepted\nremote_write: series 1: series duplicate label name "a"/);
    assert.equal(h.queue.sent.length, 0);
  });
});
