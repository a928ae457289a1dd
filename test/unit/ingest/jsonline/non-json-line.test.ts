import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseJsonLines } from '../../../../lib/ingest/jsonline/parse.ts';
import { JsonScanner, JsonSyntaxError } from '../../../../lib/ingest/jsonline/json-scan.ts';

/** What the scanner says about a line that is not an object, the way parseLine used to ask it. */
function scannerReason(line: string): string | undefined {
  const sc = new JsonScanner(line);
  try {
    sc.skipWs();
    sc.readValue();
    sc.expectEnd();
  } catch (e) {
    if (e instanceof JsonSyntaxError) return `cannot parse json line: ${e.message}`;
    throw e;
  }
  return undefined;
}

/**
 * parseLine answers a line that cannot start a JSON value without asking the scanner (no throw per line,
 * issue 12); the reason must be the scanner's, character for character.
 */
describe('jsonline: lines that cannot start a JSON value', () => {
  it('get the scanner message, for any first character and leading blanks', () => {
    const line = fc.tuple(fc.constantFrom('', ' ', '\t ', '  '), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 })).map(([ws, s]) => ws + s);
    fc.assert(
      fc.property(line, (l) => {
        fc.pre(!l.includes('\n') && !l.includes('\r') && l.trim() !== '' && !l.trimStart().startsWith('{'));
        const r = parseJsonLines(new TextEncoder().encode(l + '\n'));
        const want = scannerReason(l);
        if (want !== undefined) assert.equal(r.errors[0]?.reason, want, JSON.stringify(l));
        else assert.equal(r.errors[0]?.reason, 'missing `metric` object', JSON.stringify(l));
      }),
      { numRuns: 3000 },
    );
  });
  it('x: unexpected character "x" at offset 0', () => {
    assert.equal(parseJsonLines(new TextEncoder().encode('x\n')).errors[0]?.reason, 'cannot parse json line: unexpected character "x" at offset 0');
  });
});
