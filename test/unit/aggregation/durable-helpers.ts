import { createHash } from 'node:crypto';
import type { ConditionalBlobStore, Metrics, OutgoingMessage, VersionedBlob } from '../../../lib/ports/index.ts';
import { parseAggregationConfigs, type AggregationRule } from '../../../lib/aggregation/index.ts';
import type { AggregationRecord } from '../../../lib/aggregation/durable/apply.ts';
import { MemoryBlobStore } from '../../helpers/fakes.ts';
import type { TimeSeries } from '../../../lib/model/types.ts';
import { getLabel } from '../../../lib/model/labels.ts';

/**
 * An in-memory ConditionalBlobStore with S3's semantics (the version is a content hash, as an ETag), and
 * hooks that run between a caller's read and its conditional write, to stage races deterministically.
 */
export class MemoryConditionalStore extends MemoryBlobStore implements ConditionalBlobStore {
  /** Runs before each putIfVersion compares versions (once; reset to undefined after it ran). */
  beforePut: ((key: string) => Promise<void>) | undefined;
  puts = 0;
  conflicts = 0;
  async getVersioned(key: string): Promise<VersionedBlob | undefined> {
    const o = this.objects.get(key);
    return o && { body: o.body, version: hash(o.body) };
  }
  async putIfVersion(key: string, body: Uint8Array, expected: string | undefined): Promise<string | undefined> {
    const hook = this.beforePut;
    if (hook) {
      this.beforePut = undefined;
      await hook(key);
    }
    const o = this.objects.get(key);
    if ((o && hash(o.body)) !== expected) {
      this.conflicts++;
      return undefined;
    }
    this.puts++;
    this.objects.set(key, { body: body.slice(), metadata: {} });
    return hash(body);
  }
}

function hash(b: Uint8Array): string {
  return createHash('md5').update(b).digest('hex');
}

export class CountingMetrics implements Metrics {
  readonly values = new Map<string, number>();
  inc(name: string, labels: Record<string, string>, by = 1): void {
    const k = `${name}${JSON.stringify(labels)}`;
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  set(name: string, labels: Record<string, string>, value: number): void {
    this.values.set(`${name}${JSON.stringify(labels)}`, value);
  }
  sum(name: string): number {
    let n = 0;
    for (const [k, v] of this.values) if (k.startsWith(name + '{')) n += v;
    return n;
  }
}

export function rulesOf(raw: unknown[]): AggregationRule[] {
  return parseAggregationConfigs(raw, 'stream_aggregation');
}

/** Gives each message a FIFO position in its group, as SQS does when it accepts them in this order. */
export class FifoSequencer {
  private next = new Map<string, bigint>();
  private id = 0;
  records(messages: readonly OutgoingMessage[]): AggregationRecord[] {
    return messages.map((m) => {
      const g = m.groupId ?? '';
      // Large, non-consecutive and growing within a group, as SQS FIFO sequence numbers.
      const seq = (this.next.get(g) ?? 18_000_000_000_000_000_000n) + BigInt(1 + (this.id % 7));
      this.next.set(g, seq);
      return { messageId: `m-${this.id++}`, body: m.body, attributes: m.attributes, groupId: m.groupId, sequenceNumber: seq.toString() };
    });
  }
}

/** The largest value each output series took over all flushes, keyed `name{label=value,...}` (labels but __name__ sorted). */
export function lastValues(series: readonly TimeSeries[]): Map<string, number> {
  const out = new Map<string, { t: number; v: number }>();
  for (const s of series) {
    const name = getLabel(s.labels, '__name__') ?? '';
    const key = `${name}{${s.labels.filter((l) => l.name !== '__name__').map((l) => `${l.name}=${l.value}`).join(',')}}`;
    for (const smp of s.samples) {
      const cur = out.get(key);
      if (cur === undefined || smp.timestamp >= cur.t) out.set(key, { t: smp.timestamp, v: smp.value });
    }
  }
  return new Map([...out].map(([k, { v }]) => [k, v]));
}

/** Sum of every sample of the output series named `name` per label set. */
export function sums(series: readonly TimeSeries[], name: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of series) {
    if (getLabel(s.labels, '__name__') !== name) continue;
    const key = s.labels.filter((l) => l.name !== '__name__').map((l) => `${l.name}=${l.value}`).join(',');
    for (const smp of s.samples) out.set(key, (out.get(key) ?? 0) + smp.value);
  }
  return out;
}
