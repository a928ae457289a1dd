/**
 * Values produced by JsonScanner (json-scan.ts): numbers stay as their token text (JsonNumber) so each caller
 * converts them with the rules it needs; objects are Maps (first duplicate key kept).
 */

/** A number token, unconverted (its text decides how it converts, as in fastjson). */
export class JsonNumber {
  readonly raw: string;
  constructor(raw: string) {
    this.raw = raw;
  }
}

export type JsonValue = null | boolean | string | JsonNumber | JsonValue[] | Map<string, JsonValue>;

/** fastjson's names for value types, used in error messages. */
export function jsonTypeName(v: JsonValue): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'string') return 'string';
  if (v instanceof JsonNumber) return 'number';
  if (Array.isArray(v)) return 'array';
  return 'object';
}

/** Turns a parsed value back into plain JSON-compatible data (numbers as numbers when they convert, else text). */
export function toPlainJson(v: JsonValue): unknown {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (v instanceof JsonNumber) {
    const n = Number(v.raw);
    return Number.isFinite(n) ? n : v.raw;
  }
  if (Array.isArray(v)) return v.map(toPlainJson);
  const o: Record<string, unknown> = {};
  for (const [k, x] of v) Object.defineProperty(o, k, { value: toPlainJson(x), enumerable: true, writable: true, configurable: true });
  return o;
}

/** JSON text of a parsed value with number tokens as sent (for error excerpts). */
export function stringifyJsonValue(v: JsonValue): string {
  if (v instanceof JsonNumber) return v.raw;
  if (Array.isArray(v)) return '[' + v.map(stringifyJsonValue).join(',') + ']';
  if (v instanceof Map) return '{' + [...v].map(([k, x]) => JSON.stringify(k) + ':' + stringifyJsonValue(x)).join(',') + '}';
  return JSON.stringify(v);
}
