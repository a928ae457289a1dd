import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { mutatedBytes } from '../../../helpers/fuzz.ts';
import { GatewayError } from '../../../../lib/errors.ts';
import { parseCsvFormat } from '../../../../lib/ingest/csv/format.ts';
import { parseCsv } from '../../../../lib/ingest/csv/parse.ts';

const enc = (s: string) => new TextEncoder().encode(s);
const FORMAT = '1:metric:foo,2:metric:bar,3:label:host,4:time:custom:2006-01-02 15:04:05.999Z07:00,6:label:dc';
const VALID = '1.5,2,web01,2015-08-10 20:04:40.123Z,x,eu\n"3","-4e2","we""b",2015-08-10 20:04:41+02:00,,us\n';

function check(body: Uint8Array, format = FORMAT): void {
  const r = parseCsv(body, { columns: parseCsvFormat(format), now: 1 });
  for (const e of r.errors) {
    assert.ok(e.line >= 1 && e.reason.length > 0 && e.excerpt.length <= 1300);
  }
  for (const s of r.series) {
    for (let i = 1; i < s.samples.length; i++) assert.ok(s.samples[i - 1]!.timestamp <= s.samples[i]!.timestamp);
  }
}

describe('parseCsv: fuzz', () => {
  it('arbitrary bytes never throw', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), (b) => check(b)), { numRuns: 2000 });
  });
  it('mutated valid bodies never throw', () => {
    const base = enc(VALID);
    fc.assert(
      fc.property(mutatedBytes(base), (b) => check(b)),
      { numRuns: 2000 },
    );
  });
  it('CSV-ish text with every time format never throws', () => {
    const text = fc.stringMatching(/^[0-9a-zA-Z",.:+\- \n\r]*$/, { maxLength: 200 });
    const formats = ['1:metric:m,2:time:unix_s', '1:metric:m,2:time:unix_ms', '1:metric:m,2:time:unix_ns', '1:metric:m,2:time:rfc3339', '2:metric:m,1:time:custom:Jan _2 3:04PM MST 2006 .000 -07:00'];
    fc.assert(fc.property(text, fc.constantFrom(...formats), (s, f) => check(enc(s), f)), { numRuns: 2000 });
  });
  it('arbitrary format strings either parse or throw a GatewayError', () => {
    const fmt = fc.stringMatching(/^[0-9a-z:,_]*$/, { maxLength: 60 });
    fc.assert(
      fc.property(fmt, (f) => {
        try {
          parseCsvFormat(f);
        } catch (e) {
          assert.ok(e instanceof GatewayError, String(e));
          assert.equal(e.status, 400);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
