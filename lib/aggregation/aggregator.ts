import type { Label, TimeSeries } from '../model/types.ts';
import { labelsKey, METRIC_NAME_LABEL, sortLabels } from '../model/labels.ts';
import { anySelectorMatches, applyRelabel } from '../relabel/index.ts';
import { BinReader, BinWriter, SnapshotError } from './binary.ts';
import type { AggregationRule } from './config.ts';
import { outputFamily, type Emit, type OutputFamily, type OutputState, type PushContext } from './outputs/index.ts';
import { newSchedule, type Schedule } from './timing.ts';

/** One aggregation group: the output labels and each output's state. */
interface Group {
  labels: Label[];
  /** Forgotten at a flush after this time (last push time + staleness_interval). */
  deleteDeadline: number;
  states: OutputState[];
}

/** The sample kept for one input series within the current dedup interval. */
interface DedupEntry {
  outKey: string;
  inKey: string;
  labels: Label[];
  value: number;
  timestamp: number;
}

/** If more ticks than this are due at once, the schedule jumps ahead as vmagent's flusher does when it falls behind. */
const MAX_TICKS_PER_ADVANCE = 100_000;

const INPUT_KEY_OUTPUTS = new Set(['total', 'total_prometheus', 'increase', 'increase_prometheus', 'rate_sum', 'rate_avg', 'count_series']);


/**
 * One stream aggregation rule's state machine (vmagent lib/streamaggr aggregator). Pure: every method takes
 * the caller's clock; no timers. push() and flush() first run every tick that is due by `now`.
 */
export class RuleAggregator {
  readonly rule: AggregationRule;
  private readonly families: OutputFamily[];
  private readonly ignoreFirstSampleDeadlineSec: number;
  private readonly tickMs: number;
  /** Only dedup and the outputs that keep per-series state (counters, count_series) look at the input key. */
  private readonly needsInputKey: boolean;
  private sched: Schedule;
  private groups = new Map<string, Group>();
  private dedup = new Map<string, DedupEntry>();
  private pending: TimeSeries[] = [];

  /** ignoreFirstSampleDeadlineSec: set when restoring (it comes from the original start time). */
  constructor(rule: AggregationRule, startMs: number, ignoreFirstSampleDeadlineSec?: number) {
    this.rule = rule;
    // vmagent: fasttime (whole seconds) at start + ignore_first_sample_interval in whole seconds.
    this.ignoreFirstSampleDeadlineSec = ignoreFirstSampleDeadlineSec ?? Math.floor(startMs / 1000) + Math.floor(rule.ignoreFirstSampleIntervalMs / 1000);
    this.families = rule.outputs.map((o) => outputFamily(o, this.ignoreFirstSampleDeadlineSec));
    this.tickMs = rule.dedupIntervalMs > 0 ? rule.dedupIntervalMs : rule.intervalMs;
    this.needsInputKey = rule.dedupIntervalMs > 0 || rule.outputs.some((o) => INPUT_KEY_OUTPUTS.has(o.kind));
    this.sched = newSchedule(startMs, rule.intervalMs, rule.dedupIntervalMs, rule.alignFlushToInterval, rule.ignoreFirstIntervals);
  }

  /** Number of aggregation groups (output series sets) held. */
  get groupCount(): number {
    return this.groups.size;
  }

  /**
   * Feeds series received at `now`. Sets matched[i] = 1 for each series the rule's `match` selects (before
   * drop_input_labels and input relabeling, as vmagent does), which is what keep_input decisions use.
   */
  push(series: readonly TimeSeries[], now: number, matched: Uint8Array): void {
    this.advance(now);
    const r = this.rule;
    const ctx: PushContext = { nowMs: now, nowSecMs: Math.floor(now / 1000) * 1000, deleteDeadline: now + r.stalenessIntervalMs };
    const minDeadline = this.sched.minDeadline;
    for (let i = 0; i < series.length; i++) {
      const ts = series[i]!;
      if (r.match !== undefined && !this.matches(ts.labels)) continue;
      matched[i] = 1;
      let labels: readonly Label[] = ts.labels;
      if (r.dropInputLabels.length > 0) labels = labels.filter((l) => !r.dropInputLabels.includes(l.name));
      if (r.inputRelabel !== undefined) {
        const out = applyRelabel(r.inputRelabel, labels);
        if (out === undefined || out.length === 0) continue;
        labels = out;
      } else if (!isSorted(labels)) {
        labels = sortLabels(labels.slice());
      }
      // vmagent skips a series left without labels (drop_input_labels can do that too).
      if (labels.length === 0) continue;
      let outKey: string | undefined;
      let inKey = '';
      let group: Group | undefined;
      for (const s of ts.samples) {
        const v = s.value;
        if (s.stale || v !== v) continue; // NaN and staleness markers are skipped, as vmagent does.
        if (r.ignoreOldSamples && s.timestamp < minDeadline) continue;
        if (outKey === undefined) {
          // The same strings labelsKey() makes of the output and input label sets, without building the sets.
          if (r.aggregateOnlyByTime) outKey = labelsKey(labels);
          else {
            outKey = '';
            const wantInput = this.needsInputKey;
            for (const l of labels) {
              if (this.isOutputLabel(l.name)) outKey += l.name + '\u0000' + l.value + '\u0001';
              else if (wantInput) inKey += l.name + '\u0000' + l.value + '\u0001';
            }
          }
        }
        if (r.dedupIntervalMs > 0) {
          this.dedupPush(outKey, inKey, labels, v, s.timestamp);
          continue;
        }
        group ??= this.groups.get(outKey) ?? this.newGroup(outKey, labels);
        for (const st of group.states) st.push(v, s.timestamp, inKey, ctx);
        group.deleteDeadline = ctx.deleteDeadline;
      }
    }
  }

  /** Runs the ticks due by `now`; closed intervals' series wait in take(). */
  advance(now: number): void {
    const s = this.sched;
    if (now >= s.nextTick + MAX_TICKS_PER_ADVANCE * this.tickMs) {
      const skip = Math.floor((now - s.nextTick) / this.tickMs) - 1;
      s.nextTick += skip * this.tickMs;
    }
    while (s.nextTick <= now) {
      const t = s.nextTick;
      this.tick(t);
      s.nextTick = t + this.tickMs;
    }
  }

  /** Returns and forgets the output series produced so far. */
  take(): TimeSeries[] {
    const out = this.pending;
    this.pending = [];
    return out;
  }

  /** vmagent's stop: a last dedup flush and a last flush of every group (emitted only with flush_on_shutdown). */
  shutdown(now: number): void {
    this.advance(now);
    const s = this.sched;
    let flushTime = s.flushTime;
    let dedupTime = s.maxDeadline;
    if (!this.rule.alignFlushToInterval) {
      flushTime = now;
      dedupTime = now;
    }
    if (this.rule.dedupIntervalMs > 0) this.dedupFlush(dedupTime, now);
    const emit = this.rule.flushOnShutdown && s.ignoreLeft <= 0;
    this.flushGroups(flushTime, true, emit);
  }

  private matches(labels: readonly Label[]): boolean {
    return anySelectorMatches(this.rule.match!, labels);
  }

  /** by: listed labels (and __name__) make the group; without: all but the listed ones. */
  private isOutputLabel(name: string): boolean {
    const r = this.rule;
    if (r.aggregateOnlyByTime) return true;
    return r.without.length === 0 ? r.by.includes(name) : !r.without.includes(name);
  }

  /** The output label set of an input label set (own label objects: groups outlive the pushed series). */
  private outputLabels(labels: readonly Label[]): Label[] {
    const out: Label[] = [];
    for (const l of labels) if (this.isOutputLabel(l.name)) out.push({ name: l.name, value: l.value });
    return out;
  }

  private newGroup(outKey: string, inputLabels: readonly Label[]): Group {
    const g: Group = { labels: this.outputLabels(inputLabels), deleteDeadline: 0, states: this.families.map((f) => f.create()) };
    this.groups.set(outKey, g);
    return g;
  }

  private dedupPush(outKey: string, inKey: string, inputLabels: readonly Label[], v: number, t: number): void {
    const key = outKey + '\u0002' + inKey;
    const e = this.dedup.get(key);
    if (e === undefined) {
      this.dedup.set(key, { outKey, inKey, labels: this.outputLabels(inputLabels), value: v, timestamp: t });
      return;
    }
    // VictoriaMetrics deduplication: the latest timestamp wins; on equal timestamps the larger value.
    if (t > e.timestamp || (t === e.timestamp && v > e.value)) {
      e.value = v;
      e.timestamp = t;
    }
  }

  /** One ticker round of runFlusher, at tick time t. */
  private tick(t: number): void {
    const s = this.sched;
    const deadline = s.maxDeadline;
    if (this.rule.dedupIntervalMs > 0) this.dedupFlush(deadline, t);
    if (s.flushTime <= deadline) {
      const emit = s.ignoreLeft <= 0;
      if (!emit) s.ignoreLeft--;
      if (this.rule.dedupIntervalMs <= 0) s.minDeadline = s.maxDeadline;
      this.flushGroups(s.flushTime, false, emit);
      s.flushTime += this.rule.intervalMs;
      // vmagent's clock reads a little after the tick, so a flush time equal to t counts as passed.
      while (t >= s.flushTime) s.flushTime += this.rule.intervalMs;
      if (this.rule.dedupIntervalMs <= 0) s.maxDeadline = s.flushTime;
    }
  }

  private dedupFlush(dedupTime: number, now: number): void {
    const s = this.sched;
    s.minDeadline = s.maxDeadline;
    const ctx: PushContext = { nowMs: now, nowSecMs: Math.floor(now / 1000) * 1000, deleteDeadline: dedupTime + this.rule.stalenessIntervalMs };
    const entries = this.dedup;
    this.dedup = new Map();
    for (const e of entries.values()) {
      const g = this.groups.get(e.outKey) ?? this.newGroup(e.outKey, e.labels);
      for (const st of g.states) st.push(e.value, e.timestamp, e.inKey, ctx);
      g.deleteDeadline = ctx.deleteDeadline;
    }
    let next = dedupTime;
    while (now >= next) next += this.rule.dedupIntervalMs;
    s.maxDeadline = next;
  }

  private flushGroups(flushTs: number, isLast: boolean, emitting: boolean): void {
    const r = this.rule;
    let current: Group | undefined;
    const noop: Emit = () => {};
    const emit: Emit = (outSuffix, value, extraName, extraValue) => {
      const labels = current!.labels.slice();
      if (!r.keepMetricNames) {
        const i = labels.findIndex((l) => l.name === METRIC_NAME_LABEL);
        if (i >= 0) labels[i] = { name: METRIC_NAME_LABEL, value: labels[i]!.value + r.suffix + outSuffix };
        else labels.push({ name: METRIC_NAME_LABEL, value: r.suffix + outSuffix });
      }
      if (extraName !== undefined) {
        const j = labels.findIndex((l) => l.name === extraName);
        if (j >= 0) labels.splice(j, 1);
        labels.push({ name: extraName, value: extraValue! });
      }
      let out: Label[] | undefined = sortLabels(labels);
      if (r.outputRelabel !== undefined) {
        out = applyRelabel(r.outputRelabel, out);
        if (out === undefined || out.length === 0) return;
      }
      this.pending.push({ labels: out, samples: [{ value, timestamp: flushTs }] });
    };
    for (const [k, g] of this.groups) {
      if (flushTs > g.deleteDeadline) {
        this.groups.delete(k);
        continue;
      }
      current = g;
      for (const st of g.states) st.flush(emitting ? emit : noop, flushTs, isLast);
      if (isLast) this.groups.delete(k);
    }
  }

  /** Serializes the whole state (schedule, dedup buffer, groups, unread output). */
  write(w: BinWriter): void {
    const s = this.sched;
    w.f64(this.ignoreFirstSampleDeadlineSec);
    w.f64(s.minDeadline);
    w.f64(s.maxDeadline);
    w.f64(s.flushTime);
    w.f64(s.nextTick);
    w.f64(s.ignoreLeft);
    w.uvarint(this.dedup.size);
    for (const e of this.dedup.values()) {
      writeLabels(w, e.labels);
      w.str(e.inKey);
      w.f64(e.value);
      w.f64(e.timestamp);
    }
    w.uvarint(this.groups.size);
    for (const g of this.groups.values()) {
      writeLabels(w, g.labels);
      w.f64(g.deleteDeadline);
      for (const st of g.states) st.write(w);
    }
    w.uvarint(this.pending.length);
    for (const ts of this.pending) {
      writeLabels(w, ts.labels);
      w.f64(ts.samples[0]!.value);
      w.f64(ts.samples[0]!.timestamp);
    }
  }

  /** An aggregator with the state written by write() for the same rule. */
  static read(rule: AggregationRule, r: BinReader): RuleAggregator {
    const a = new RuleAggregator(rule, 0, r.f64());
    a.readState(r);
    return a;
  }

  private readState(r: BinReader): void {
    const s = this.sched;
    s.minDeadline = r.f64();
    s.maxDeadline = r.f64();
    s.flushTime = r.f64();
    s.nextTick = r.f64();
    s.ignoreLeft = r.f64();
    this.dedup = new Map();
    for (let n = r.uvarint(); n > 0; n--) {
      const labels = readLabels(r);
      const outKey = labelsKey(labels);
      const inKey = r.str();
      this.dedup.set(outKey + '\u0002' + inKey, { outKey, inKey, labels, value: r.f64(), timestamp: r.f64() });
    }
    this.groups = new Map();
    for (let n = r.uvarint(); n > 0; n--) {
      const labels = readLabels(r);
      const deleteDeadline = r.f64();
      const states = this.families.map((f) => f.read(r));
      this.groups.set(labelsKey(labels), { labels, deleteDeadline, states });
    }
    this.pending = [];
    for (let n = r.uvarint(); n > 0; n--) {
      const labels = readLabels(r);
      this.pending.push({ labels, samples: [{ value: r.f64(), timestamp: r.f64() }] });
    }
    if (!r.atEnd()) throw new SnapshotError(`snapshot of ${this.rule.path} has trailing bytes`);
  }
}

function isSorted(labels: readonly Label[]): boolean {
  for (let i = 1; i < labels.length; i++) if (labels[i - 1]!.name > labels[i]!.name) return false;
  return true;
}

function writeLabels(w: BinWriter, labels: readonly Label[]): void {
  w.uvarint(labels.length);
  for (const l of labels) {
    w.str(l.name);
    w.str(l.value);
  }
}

function readLabels(r: BinReader): Label[] {
  const out: Label[] = [];
  for (let n = r.uvarint(); n > 0; n--) out.push({ name: r.str(), value: r.str() });
  return out;
}
