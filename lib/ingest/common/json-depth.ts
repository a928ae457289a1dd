/**
 * Nesting limits for JSON bodies read with JSON.parse (DataDog, OTLP/JSON). JSON.parse itself copes with deep
 * nesting, but everything recursive after it (JSON.stringify for an excerpt, tree walks) overflows the stack
 * on `[[[[...]]]]`, which used to be a 500. The scanners of jsonline and OpenTSDB (jsonline/json-scan.ts)
 * enforce their own limit (MAX_JSON_DEPTH, fastjson's 300) while they read.
 */
import { BadRequestError } from '../../errors.ts';

/** DataDog series bodies nest 5 levels (`{"series":[{"points":[[ts, v]]}]}`); anything past this is not one. */
export const DATADOG_MAX_JSON_DEPTH = 64;

/**
 * OTLP/JSON nests about 13 levels down to a data point attribute value, and each level of a kvlist/array
 * attribute value adds 4 more, up to MAX_ATTRIBUTE_DEPTH (32) levels: 160 leaves room for all of that.
 */
export const OTLP_MAX_JSON_DEPTH = 160;

/**
 * Where the container nesting of the UTF-8 JSON `body` first passes `max` (its byte offset), or -1 when it
 * stays within `max`. Strings are skipped (escapes honoured; `"` and `\` never occur inside a multi-byte
 * UTF-8 sequence, so bytes suffice). One pass without allocation, about 2 ns per byte, a few percent of a
 * DataDog or OTLP/JSON request; syntax is not checked (JSON.parse does that).
 */
export function findNestingPast(body: Uint8Array, max: number): number {
  let depth = 0;
  const n = body.length;
  for (let i = 0; i < n; i++) {
    const c = body[i]!;
    if (c === 34 /* " */) {
      for (i++; i < n; i++) {
        const d = body[i]!;
        if (d === 92 /* \ */) i++;
        else if (d === 34) break;
      }
    } else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > max) return i;
    } else if (c === 93 /* ] */ || c === 125 /* } */) {
      depth--;
    }
  }
  return -1;
}

/** Throws a 400 `<what>: nesting deeper than <max> at offset N` when `body` nests containers deeper than `max`. */
export function checkJsonNesting(body: Uint8Array, max: number, what: string): void {
  const at = findNestingPast(body, max);
  if (at >= 0) throw new BadRequestError(`${what}: nesting deeper than ${max} at offset ${at}`, 'json_too_deep');
}
