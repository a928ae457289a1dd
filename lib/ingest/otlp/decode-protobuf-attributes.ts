import { BadRequestError } from '../../errors.ts';
import type { ProtoReader } from '../../codec/proto/reader.ts';
import { formatAttributeDouble, goJsonString } from './format.ts';
import type { Attribute } from './model.ts';

/**
 * OTLP KeyValue / AnyValue (common/v1/common.proto) read straight into the attribute's string, as pdata's
 * Value.AsString() writes it: scalars as text, bytes as base64, arrays and key-value lists as JSON (keys
 * sorted, Go's HTML-safe escaping). AnyValue is a oneof: the last member on the wire wins.
 */

/** Nesting limit for array/kvlist attribute values; deeper values reject the body (they are never labels anyway). */
export const MAX_ATTRIBUTE_DEPTH = 32;

const NONE = 0;
const STRING = 1;
const BOOL = 2;
const INT = 3;
const DOUBLE = 4;
const ARRAY = 5;
const KVLIST = 6;
const BYTES = 7;

/** The AnyValue just read: its kind and value (text for strings, ints, bytes, and JSON for arrays/kvlists). Read at once. */
let kind = NONE;
let text = '';
let num = 0;

/** KeyValue: key 1, value 2. The value's string form; '' when absent. */
export function readAttribute(r: ProtoReader): Attribute {
  const outer = r.enter();
  let key = '';
  let value = '';
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === 0x0a) key = r.string();
    else if (tag === 0x12) {
      readAnyValue(r, 0);
      value = asString();
    } else r.skip(tag);
  }
  r.leave(outer);
  return { key, value };
}

function asString(): string {
  switch (kind) {
    case STRING:
    case INT:
    case ARRAY:
    case KVLIST:
      return text;
    case BOOL:
      return num !== 0 ? 'true' : 'false';
    case DOUBLE:
      return formatAttributeDouble(num);
    case BYTES:
      return text;
    default:
      return '';
  }
}

function asJson(): string {
  switch (kind) {
    case STRING:
    case BYTES:
      return goJsonString(text);
    case INT:
    case ARRAY:
    case KVLIST:
      return text;
    case BOOL:
      return num !== 0 ? 'true' : 'false';
    case DOUBLE:
      return Number.isFinite(num) ? String(num) : 'null';
    default:
      return 'null';
  }
}

function checkDepth(depth: number): void {
  if (depth > MAX_ATTRIBUTE_DEPTH) throw new BadRequestError(`otlp: attribute value nested deeper than ${MAX_ATTRIBUTE_DEPTH} levels`);
}

/** AnyValue: string 1, bool 2, int 3, double 4, array 5, kvlist 6, bytes 7; sets kind/text/num. */
function readAnyValue(r: ProtoReader, depth: number): void {
  const outer = r.enter();
  let k = NONE;
  let t = '';
  let n = 0;
  while (r.pos < r.len) {
    const tag = r.uint32();
    switch (tag) {
      case 0x0a:
        k = STRING;
        t = r.string();
        break;
      case 0x10:
        k = BOOL;
        n = r.bool() ? 1 : 0;
        break;
      case 0x18:
        k = INT;
        t = r.int64String();
        break;
      case 0x21:
        k = DOUBLE;
        n = r.double();
        break;
      case 0x2a:
        t = readArray(r, depth);
        k = ARRAY;
        break;
      case 0x32:
        t = readKvList(r, depth);
        k = KVLIST;
        break;
      case 0x3a: {
        const b = r.bytes();
        k = BYTES;
        t = Buffer.from(b.buffer, b.byteOffset, b.length).toString('base64');
        break;
      }
      default:
        r.skip(tag);
    }
  }
  r.leave(outer);
  kind = k;
  text = t;
  num = n;
}

/** ArrayValue: values 1 (AnyValue), as a JSON array; each element one level deeper. */
function readArray(r: ProtoReader, depth: number): string {
  const outer = r.enter();
  let json = '[';
  let first = true;
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === 0x0a) {
      checkDepth(depth + 1);
      readAnyValue(r, depth + 1);
      json += (first ? '' : ',') + asJson();
      first = false;
    } else r.skip(tag);
  }
  r.leave(outer);
  return json + ']';
}

/** KeyValueList: values 1 (KeyValue), as a JSON object with keys sorted (stable for repeated keys); values one level deeper. */
function readKvList(r: ProtoReader, depth: number): string {
  const outer = r.enter();
  const pairs: [string, string][] = [];
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === 0x0a) {
      const o = r.enter();
      let key = '';
      let value = 'null';
      while (r.pos < r.len) {
        const t = r.uint32();
        if (t === 0x0a) key = r.string();
        else if (t === 0x12) {
          checkDepth(depth + 1);
          readAnyValue(r, depth + 1);
          value = asJson();
        } else r.skip(t);
      }
      r.leave(o);
      checkDepth(depth + 1);
      pairs.push([key, value]);
    } else r.skip(tag);
  }
  r.leave(outer);
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return '{' + pairs.map((p) => goJsonString(p[0]) + ':' + p[1]).join(',') + '}';
}
