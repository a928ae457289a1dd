/**
 * CloudWatch Embedded Metric Format: JSON log lines that CloudWatch Logs turns into metrics, with no API
 * call and no IAM permission beyond writing the function's logs.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */
export interface CounterValue {
  name: string;
  labels: Record<string, string>;
  value: number;
  /** A gauge (Metrics.set): EMF gets its current value (read it with the Maximum statistic), not increments. */
  gauge?: boolean;
}

export const EMF_NAMESPACE = 'MetricsGateway';

/** EMF allows at most 100 metrics per document and 30 dimensions per dimension set. */
const MAX_METRICS_PER_DOC = 100;
const MAX_DIMENSIONS = 30;

/**
 * Turns cumulative counters into per-flush increments (what CloudWatch sums): each flush returns EMF lines
 * for what grew since the previous flush of this instance, one document per distinct label set, with the
 * counter labels plus `dimensions` (e.g. {function: "deliver"}) as CloudWatch dimensions. Counters that
 * did not move produce nothing, so an idle invocation writes no line. A gauge is written with its current value
 * whenever it is not 0, and once when it returns to 0.
 */
export class EmfFlusher {
  private readonly last = new Map<string, number>();
  private readonly namespace: string;
  private readonly dimensions: Record<string, string>;

  constructor(dimensions: Record<string, string>, namespace = EMF_NAMESPACE) {
    this.dimensions = dimensions;
    this.namespace = namespace;
  }

  flush(counters: readonly CounterValue[], now: number): string[] {
    const docs = new Map<string, { dims: Record<string, string>; values: Record<string, number> }>();
    for (const c of counters) {
      const id = c.name + JSON.stringify(Object.entries(c.labels).sort());
      const before = this.last.get(id) ?? 0;
      this.last.set(id, c.value);
      const upDown = c.gauge === true;
      const delta = upDown ? c.value : c.value - before;
      if (upDown ? c.value === 0 && before === 0 : delta <= 0) continue;
      const dims = { ...this.dimensions, ...c.labels };
      const key = JSON.stringify(Object.entries(dims).sort());
      let doc = docs.get(key);
      if (!doc) docs.set(key, (doc = { dims, values: {} }));
      doc.values[c.name] = (doc.values[c.name] ?? 0) + delta;
    }
    const lines: string[] = [];
    for (const { dims, values } of docs.values()) {
      const dimNames = Object.keys(dims).sort().slice(0, MAX_DIMENSIONS);
      const names = Object.keys(values);
      for (let i = 0; i < names.length; i += MAX_METRICS_PER_DOC) {
        const part = names.slice(i, i + MAX_METRICS_PER_DOC);
        const doc: Record<string, unknown> = {
          _aws: { Timestamp: now, CloudWatchMetrics: [{ Namespace: this.namespace, Dimensions: [dimNames], Metrics: part.map((Name) => ({ Name, Unit: 'Count' })) }] },
        };
        for (const d of dimNames) doc[d] = dims[d];
        for (const n of part) doc[n] = values[n];
        lines.push(JSON.stringify(doc));
      }
    }
    return lines;
  }
}
