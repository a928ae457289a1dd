/**
 * A small JSON scanner with the leniencies of valyala/fastjson, the parser VictoriaMetrics uses for
 * `/api/v1/import` and OpenTSDB `/api/put` (compatibility, so bodies VictoriaMetrics accepts are accepted):
 *   - bare `NaN`, `Inf`, `-Inf`, `+Inf` (any case, three letters) are number tokens;
 *   - a number token is any run of `0-9 . - + e E`; its syntax is checked only when it is converted
 *     (see parseVmFloat / parseVmInt), exactly like fastjson's lazy Float64() / Int64();
 *   - unknown string escapes are kept verbatim; control characters inside strings are accepted.
 * Objects keep the first of duplicate keys (fastjson's Get returns the first match).
 * Nesting deeper than MAX_JSON_DEPTH is refused, so hostile input cannot exhaust the stack.
 * Errors are JsonSyntaxError, which callers turn into line or body errors; nothing else is thrown.
 */
import { JsonNumber, type JsonValue } from './json-value.ts';

export const MAX_JSON_DEPTH = 300;

/**
 * A syntax error in a JSON line or body. It carries no stack trace: a body of bad lines throws one per line,
 * and capturing the stack made a bad JSON line cost 7 times a good one (issue 12); the message says where.
 */
export class JsonSyntaxError extends Error {
  constructor(message: string) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      super(message);
    } finally {
      Error.stackTraceLimit = limit;
    }
    this.name = 'JsonSyntaxError';
  }
}

function isNumberChar(c: number): boolean {
  // 0-9 . - + e E
  return (c >= 48 && c <= 57) || c === 46 || c === 45 || c === 43 || c === 101 || c === 69;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

export class JsonScanner {
  readonly s: string;
  pos: number;
  readonly end: number;
  /** Where the document starts; error offsets are relative to it. */
  readonly base: number;

  constructor(s: string, start = 0, end = s.length) {
    this.s = s;
    this.pos = start;
    this.end = end;
    this.base = start;
  }

  fail(message: string): never {
    throw new JsonSyntaxError(`${message} at offset ${this.pos - this.base}`);
  }

  skipWs(): void {
    const s = this.s;
    let p = this.pos;
    while (p < this.end) {
      const c = s.charCodeAt(p);
      if (c !== 32 && c !== 10 && c !== 13 && c !== 9) break;
      p++;
    }
    this.pos = p;
  }

  /** The char code at the cursor, or -1 at the end. */
  peek(): number {
    return this.pos < this.end ? this.s.charCodeAt(this.pos) : -1;
  }

  expectChar(c: number, what: string): void {
    if (this.peek() !== c) this.fail(this.pos >= this.end ? `missing ${what}` : `expected ${what}`);
    this.pos++;
  }

  /** After the top-level value: only whitespace may follow. */
  expectEnd(): void {
    this.skipWs();
    if (this.pos < this.end) this.fail('unexpected tail after JSON value');
  }

  /** Reads a string; the cursor is on the opening quote. */
  readString(): string {
    const s = this.s;
    const start = this.pos + 1;
    let p = start;
    while (p < this.end) {
      const c = s.charCodeAt(p);
      if (c === 34) {
        this.pos = p + 1;
        return s.slice(start, p);
      }
      if (c === 92) return this.readEscapedString(start);
      p++;
    }
    this.pos = start - 1;
    return this.fail('missing closing quote of string');
  }

  private readEscapedString(start: number): string {
    const s = this.s;
    let out = '';
    let chunk = start;
    let p = start;
    while (p < this.end) {
      const c = s.charCodeAt(p);
      if (c === 34) {
        this.pos = p + 1;
        return out + s.slice(chunk, p);
      }
      if (c !== 92) {
        p++;
        continue;
      }
      out += s.slice(chunk, p);
      if (p + 1 >= this.end) break;
      const e = s.charCodeAt(p + 1);
      p += 2;
      switch (e) {
        case 34: out += '"'; break;
        case 92: out += '\\'; break;
        case 47: out += '/'; break;
        case 98: out += '\b'; break;
        case 102: out += '\f'; break;
        case 110: out += '\n'; break;
        case 114: out += '\r'; break;
        case 116: out += '\t'; break;
        case 117: {
          let code = 0;
          let ok = p + 4 <= this.end;
          for (let k = 0; ok && k < 4; k++) {
            const h = hexValue(s.charCodeAt(p + k));
            if (h < 0) ok = false;
            else code = code * 16 + h;
          }
          if (ok) {
            out += String.fromCharCode(code);
            p += 4;
          } else {
            out += '\\u'; // kept verbatim, as fastjson does
          }
          break;
        }
        default:
          out += '\\' + String.fromCharCode(e); // unknown escape kept verbatim, as fastjson does
      }
      chunk = p;
    }
    this.pos = start - 1;
    return this.fail('missing closing quote of string');
  }

  /** Reads a number token (fastjson parseRawNumber): a run of number chars, or [sign]inf / [sign]nan. */
  readNumberToken(): string {
    const s = this.s;
    const start = this.pos;
    let p = start;
    while (p < this.end) {
      const c = s.charCodeAt(p);
      if (isNumberChar(c)) {
        p++;
        continue;
      }
      const first = p === start;
      const afterSign = p === start + 1 && (s.charCodeAt(start) === 45 || s.charCodeAt(start) === 43);
      if (first || afterSign) {
        if (p + 3 <= this.end) {
          const w = s.slice(p, p + 3).toLowerCase();
          if (w === 'inf' || w === 'nan') {
            this.pos = p + 3;
            return s.slice(start, p + 3);
          }
        }
        this.pos = p;
        return this.fail(`unexpected character ${JSON.stringify(s.charAt(p))}`);
      }
      break;
    }
    this.pos = p;
    return s.slice(start, p);
  }

  private readLiteral(word: string): void {
    if (this.s.startsWith(word, this.pos) && this.pos + word.length <= this.end) {
      this.pos += word.length;
      return;
    }
    this.fail(`unexpected value; expected ${word}`);
  }

  /**
   * Reads any value; the cursor must be on its first character (whitespace skipped). `depth` is the number
   * of containers around the value; a container nested deeper than MAX_JSON_DEPTH is refused.
   */
  readValue(depth = 0): JsonValue {
    const c = this.peek();
    if ((c === 123 || c === 91) && depth + 1 > MAX_JSON_DEPTH) this.fail(`nesting deeper than ${MAX_JSON_DEPTH}`);
    switch (c) {
      case -1:
        return this.fail('missing value');
      case 123: // {
        return this.readObject(depth + 1);
      case 91: // [
        return this.readArray(depth + 1);
      case 34: // "
        return this.readString();
      case 116: // t
        this.readLiteral('true');
        return true;
      case 102: // f
        this.readLiteral('false');
        return false;
      case 110: // n: null, or nan in any case
        if (this.s.startsWith('null', this.pos) && this.pos + 4 <= this.end) {
          this.pos += 4;
          return null;
        }
        return new JsonNumber(this.readNumberToken());
      default:
        return new JsonNumber(this.readNumberToken());
    }
  }

  private readArray(depth: number): JsonValue[] {
    this.pos++; // [
    const out: JsonValue[] = [];
    this.skipWs();
    if (this.peek() === 93) {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipWs();
      out.push(this.readValue(depth));
      if (this.itemEnd(93)) return out;
    }
  }

  /** Reads an object member's key and its `:`, leaving the cursor on the value. */
  readKey(): string {
    this.skipWs();
    if (this.peek() !== 34) this.fail('expected string key in object');
    const key = this.readString();
    this.skipWs();
    this.expectChar(58, ': after object key');
    this.skipWs();
    return key;
  }

  /**
   * After an array element or object member: skips whitespace, consumes a `,` (returns false: another item
   * follows) or the closing `]`/`}` (returns true: done), and fails with the JSON error otherwise.
   */
  itemEnd(close: 93 | 125): boolean {
    this.skipWs();
    const c = this.peek();
    if (c === 44) {
      this.pos++;
      return false;
    }
    if (c === close) {
      this.pos++;
      return true;
    }
    const [bracket, what] = close === 93 ? [']', 'array'] : ['}', 'object'];
    return this.fail(c < 0 ? `missing ${bracket} at the end of ${what}` : `expected , or ${bracket} in ${what}`);
  }

  /** Reads an object as ordered key/value pairs, duplicates included (fastjson's Visit order). */
  readObjectPairs(depth = 1): Array<[string, JsonValue]> {
    if (depth > MAX_JSON_DEPTH) this.fail(`nesting deeper than ${MAX_JSON_DEPTH}`);
    this.expectChar(123, '{');
    const out: Array<[string, JsonValue]> = [];
    this.skipWs();
    if (this.peek() === 125) {
      this.pos++;
      return out;
    }
    for (;;) {
      const key = this.readKey();
      out.push([key, this.readValue(depth)]);
      if (this.itemEnd(125)) return out;
    }
  }

  private readObject(depth: number): Map<string, JsonValue> {
    const m = new Map<string, JsonValue>();
    for (const [k, v] of this.readObjectPairs(depth)) if (!m.has(k)) m.set(k, v);
    return m;
  }
}

/** Parses one whole JSON document in s[start, end). Throws JsonSyntaxError. */
export function parseJson(s: string, start = 0, end = s.length): JsonValue {
  const sc = new JsonScanner(s, start, end);
  sc.skipWs();
  const v = sc.readValue();
  sc.expectEnd();
  return v;
}
