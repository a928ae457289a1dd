import { BadRequestError, excerpt } from '../../errors.ts';
import { ProtoError, ProtoReader } from '../../codec/proto/reader.ts';
import type { Sample } from '../../model/types.ts';
import type { LineErrorCollector } from '../common/line-errors.ts';
import { datadogMillis, type DatadogSeries } from './series.ts';

/**
 * Decoder of the Agent's protobuf MetricPayload (DataDog/agent-payload proto/metrics/agent_payload.proto):
 * series = 1 { resources = 1 {type = 1, name = 2}, metric = 2, tags = 3, points = 4 {value = 1 (double),
 * timestamp = 2 (int64 seconds)}, source_type_name = 7 }. Fields it does not read (type, unit, interval,
 * metadata) and unknown fields are skipped unread, whatever their wire type; a known field sent with another
 * wire type is skipped too, as protobufjs and protoc do.
 */

interface RawSeries {
  resources: { type: string; name: string }[];
  metric: string;
  tags: string[];
  /** Seconds as sent, and values. */
  seconds: number[];
  values: number[];
  sourceTypeName: string;
}

/**
 * Decodes the Agent's protobuf MetricPayload (`/api/v2/series`, Content-Type application/x-protobuf).
 * Throws BadRequestError when the bytes are not one (naming the series and byte offset); series without a
 * metric name and points with out-of-range timestamps are reported in `errors`.
 */
export function decodeDatadogProtobuf(body: Uint8Array, now: number, errors: LineErrorCollector): DatadogSeries[] {
  const r = new ProtoReader(body);
  const raw: RawSeries[] = [];
  try {
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag === 0x0a) {
        try {
          raw.push(readSeries(r));
        } catch (err) {
          if (err instanceof ProtoError) throw new ProtoError(`series[${raw.length}]: ${err.message}`, err.pos);
          throw err;
        }
      } else r.skip(tag);
    }
  } catch (err) {
    if (err instanceof ProtoError) throw new BadRequestError(`datadog: cannot decode protobuf MetricPayload (${body.length} bytes): ${err.message} (at byte ${err.pos})`);
    throw err;
  }
  const out: DatadogSeries[] = [];
  for (let i = 0; i < raw.length; i++) {
    const s = raw[i]!;
    if (s.metric === '') {
      errors.add(() => ({ line: i + 1, reason: `series[${i}]: empty metric name`, excerpt: excerpt(s.tags.join(',')) }));
      continue;
    }
    const points: Sample[] = [];
    for (let j = 0; j < s.seconds.length; j++) {
      const seconds = s.seconds[j]!;
      const ms = datadogMillis(seconds, now);
      if (ms === undefined) {
        errors.add(() => ({ line: i + 1, reason: `series[${i}] ${JSON.stringify(s.metric)}: points[${j}]: timestamp ${seconds} is out of range`, excerpt: excerpt(String(seconds)) }));
        continue;
      }
      points.push({ value: s.values[j]!, timestamp: ms });
    }
    out.push({
      index: i,
      metric: s.metric,
      tags: s.tags,
      resources: s.resources,
      ...(s.sourceTypeName !== '' ? { sourceTypeName: s.sourceTypeName } : {}),
      points,
    });
  }
  return out;
}

function readSeries(r: ProtoReader): RawSeries {
  const outer = r.enter();
  const s: RawSeries = { resources: [], metric: '', tags: [], seconds: [], values: [], sourceTypeName: '' };
  while (r.pos < r.len) {
    const tag = r.uint32();
    switch (tag) {
      case 0x0a: {
        const o = r.enter();
        const res = { type: '', name: '' };
        while (r.pos < r.len) {
          const t = r.uint32();
          if (t === 0x0a) res.type = r.string();
          else if (t === 0x12) res.name = r.string();
          else r.skip(t);
        }
        r.leave(o);
        s.resources.push(res);
        break;
      }
      case 0x12:
        s.metric = r.string();
        break;
      case 0x1a:
        s.tags.push(r.string());
        break;
      case 0x22: {
        const o = r.enter();
        let value = 0;
        let seconds = 0;
        while (r.pos < r.len) {
          const t = r.uint32();
          if (t === 0x09) value = r.double();
          else if (t === 0x10) seconds = r.int64();
          else r.skip(t);
        }
        r.leave(o);
        s.values.push(value);
        s.seconds.push(seconds);
        break;
      }
      case 0x3a:
        s.sourceTypeName = r.string();
        break;
      default:
        r.skip(tag);
    }
  }
  r.leave(outer);
  return s;
}
