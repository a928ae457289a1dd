import { BadRequestError, excerpt } from '../../errors.ts';
import type { Sample } from '../../model/types.ts';
import type { LineErrorCollector } from '../common/line-errors.ts';
import { datadogMillis, type DatadogSeries } from './series.ts';
import { MetricPayload } from './proto-descriptor.ts';

interface LongLike {
  low: number;
  high: number;
  toNumber(): number;
}

interface PbSeries {
  resources: { type: string; name: string }[];
  metric: string;
  tags: string[];
  points: { value: number; timestamp: LongLike | number }[];
  sourceTypeName: string;
}

/**
 * Decodes the Agent's protobuf MetricPayload (`/api/v2/series`, Content-Type application/x-protobuf).
 * Throws BadRequestError when the bytes are not one; series without a metric name are reported in `errors`.
 */
export function decodeDatadogProtobuf(body: Uint8Array, now: number, errors: LineErrorCollector): DatadogSeries[] {
  let payload: { series: PbSeries[] };
  try {
    payload = MetricPayload.decode(body) as unknown as { series: PbSeries[] };
  } catch (err) {
    throw new BadRequestError(`datadog: cannot decode protobuf MetricPayload (${body.length} bytes): ${(err as Error).message}`);
  }
  const out: DatadogSeries[] = [];
  for (let i = 0; i < payload.series.length; i++) {
    const s = payload.series[i]!;
    if (s.metric === '') {
      errors.add(() => ({ line: i + 1, reason: `series[${i}]: empty metric name`, excerpt: excerpt(s.tags.join(',')) }));
      continue;
    }
    const points: Sample[] = [];
    for (let j = 0; j < s.points.length; j++) {
      const p = s.points[j]!;
      const seconds = typeof p.timestamp === 'number' ? p.timestamp : p.timestamp.toNumber();
      const ms = datadogMillis(seconds, now);
      if (ms === undefined) {
        errors.add(() => ({ line: i + 1, reason: `series[${i}] ${JSON.stringify(s.metric)}: points[${j}]: timestamp ${seconds} is out of range`, excerpt: excerpt(String(seconds)) }));
        continue;
      }
      points.push({ value: p.value, timestamp: ms });
    }
    out.push({
      index: i,
      metric: s.metric,
      tags: s.tags,
      resources: s.resources.map((r) => ({ type: r.type, name: r.name })),
      ...(s.sourceTypeName !== '' ? { sourceTypeName: s.sourceTypeName } : {}),
      points,
    });
  }
  return out;
}
