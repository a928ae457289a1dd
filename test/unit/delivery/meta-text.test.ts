import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { metadataText } from '../../../lib/delivery/meta-text.ts';
import { deliverBatch, type DeliveryDeps } from '../../../lib/delivery/deliver.ts';
import { parseGatewayConfig } from '../../../lib/config/schema.ts';
import { CounterRegistry } from '../../../lib/adapters/system.ts';
import { packSeries } from '../../../lib/queue/envelope.ts';
import type { HttpResponse } from '../../../lib/ports/index.ts';
import { FakeClock, MemoryBlobStore, MemoryLogger } from '../../helpers/fakes.ts';

/** Issue 12 item 9: rejected/*.meta.json kept the receiver's answer URL-encoded (`bad%20request%3A...`). */
describe('metadataText', () => {
  const cases: { name: string; input: string; max?: number; want: string }[] = [
    { name: 'printable ASCII stays as it is', input: 'bad request: out of order sample; 50% of {series="x"}', want: 'bad request: out of order sample; 50% of {series=\\"x\\"}' },
    { name: 'line breaks and tabs as JSON escapes', input: 'line 1\r\nline 2\tend', want: 'line 1\\r\\nline 2\\tend' },
    { name: 'backslash escaped', input: 'C:\\path', want: 'C:\\\\path' },
    { name: 'non-ASCII and controls as \\u escapes (S3 metadata must be ASCII)', input: 'café \u0000 😀', want: 'caf\\u00e9 \\u0000 \\ud83d\\ude00' },
    { name: 'cut at the limit, never inside an escape', input: 'abc\u00e9', max: 8, want: 'abc' },
    { name: 'cut exactly at the limit', input: 'abcdef', max: 4, want: 'abcd' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = metadataText(c.input, c.max ?? 1024);
      assert.equal(got, c.want);
      assert.equal(JSON.parse(`"${got}"`), c.input.slice(0, JSON.parse(`"${got}"`).length), 'JSON.parse gives the text back');
    });
  }

  it('a hostile 1 KiB answer stays ASCII and within 1 KiB, so the S3 metadata (2 KB in all) still fits', () => {
    const hostile = '\u00ff"<\n'.repeat(256);
    const got = metadataText(hostile, 1024);
    assert.ok(got.length <= 1024);
    assert.match(got, /^[\x20-\x7e]*$/);
    // What the old URL-encoding made of it: over three times the size, past S3's limit.
    assert.ok(encodeURIComponent(hostile).length > 2048);
  });
});

describe('rejected/ metadata written by deliver', () => {
  it('keeps the response as readable text', async () => {
    const config = parseGatewayConfig({ auth: { mode: 'none' }, remote_write: [{ url: 'http://a/w', name: 'vm' }] });
    const blobs = new MemoryBlobStore();
    const http = { request: async (): Promise<HttpResponse> => ({ status: 400, headers: {}, body: Buffer.from('bad request: out of order sample for series {__name__="up"}\n') }) };
    const d: DeliveryDeps = { destinations: config.remoteWrite.map((c) => ({ config: c })), http, blobs, clock: new FakeClock(), logger: new MemoryLogger(), metrics: new CounterRegistry(), random: () => 0.5 };
    const m = packSeries([{ labels: [{ name: '__name__', value: 'up' }], samples: [{ value: 1, timestamp: 1 }] }], { maxMessageBytes: 65536, maxSamples: 100, tenant: 't', source: 'push', newSpoolKey: () => 'spool/x' }).messages[0]!;
    await deliverBatch([{ messageId: 'm', body: m.body, attributes: m.attributes }], 1e15, d);
    const [key] = blobs.keys('rejected/vm/');
    assert.equal(blobs.objects.get(key!)!.metadata.response, 'bad request: out of order sample for series {__name__=\\"up\\"}\\n');
  });

  it('an undecodable message keeps its reason as text', async () => {
    const config = parseGatewayConfig({ auth: { mode: 'none' }, remote_write: [{ url: 'http://a/w', name: 'vm' }] });
    const blobs = new MemoryBlobStore();
    const d: DeliveryDeps = { destinations: config.remoteWrite.map((c) => ({ config: c })), http: { request: async () => ({ status: 204, headers: {}, body: new Uint8Array() }) }, blobs, clock: new FakeClock(), logger: new MemoryLogger(), metrics: new CounterRegistry(), random: () => 0.5 };
    await deliverBatch([{ messageId: 'm', body: 'bm90IHNuYXBweQ==', attributes: { v: '1' } }], 1e15, d);
    const [key] = blobs.keys('rejected/_undecodable/');
    assert.ok(key);
    const reason = blobs.objects.get(key)!.metadata.reason!;
    assert.doesNotMatch(reason, /%20/);
    assert.match(reason, / /);
  });
});
