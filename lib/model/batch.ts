import type { Label } from './types.ts';
import { METRIC_NAME_LABEL } from './labels.ts';
import { utf8Length, varintSize } from '../remote-write/proto-size.ts';

/**
 * The compact form of a request's float samples (docs/architecture.md, "The batch"): what the Influx and
 * Prometheus text parsers write instead of one TimeSeries (and five more objects) per sample.
 *
 * - Label sets are written once, already as protobuf `Label` entries (prometheus.TimeSeries field 1: tag,
 *   length, name, value), into one byte arena, in the order the labels were given (callers give them sorted,
 *   by a stable sort, without `__name__`). A set records where `__name__` goes: before its first label whose
 *   name is >= `__name__`, which is where a stable sort of `[__name__, ...labels]` puts it.
 * - Each entry is one series with one sample: its set, its own `__name__` Label entry (in the arena), and its
 *   value and timestamp in typed arrays. An Influx line's fields share the line's set.
 * - Facts for the pipeline, gathered while writing: whether every set is canonical (names strictly
 *   ascending, non-empty, none named `__name__`, values non-empty: finalizeSeries would change nothing), the
 *   largest label count, name and value lengths (in UTF-16 units, as the limits count them), and whether the
 *   parser proved no two entries share a label set (`distinct`).
 *
 * Nothing here holds a string or an object per sample: the arena and the arrays grow by doubling. Native
 * histograms, exemplars, metadata and start timestamps are not carried: protocols with those build
 * TimeSeries objects, and so does `batchToSeries` (batch-adapter.ts: the adapter every other path of the pipeline takes).
 */
export class FloatBatch {
  /** Protobuf Label entries of every set and every entry's `__name__`, back to back. */
  buf: Buffer;
  used = 0;

  /** Per set: arena start, where `__name__` goes, end; and its label count. */
  setStart: Int32Array<ArrayBuffer>;
  setSplit: Int32Array<ArrayBuffer>;
  setEnd: Int32Array<ArrayBuffer>;
  setLabels: Int32Array<ArrayBuffer>;
  sets = 0;

  /** Per entry: its set, its `__name__` Label entry in the arena, its sample. */
  entrySet: Int32Array<ArrayBuffer>;
  nameStart: Int32Array<ArrayBuffer>;
  nameEnd: Int32Array<ArrayBuffer>;
  values: Float64Array<ArrayBuffer>;
  timestamps: Float64Array<ArrayBuffer>;
  length = 0;

  /**
   * Initial sizes, from what the parser knows before it starts (the body's length): `arenaBytes` for the
   * label bytes, `entries` for series and samples. Both still grow by doubling; a good guess saves the
   * growth copies (each copies everything written so far).
   */
  constructor(arenaBytes = 1 << 16, entries = 1024) {
    const e = Math.max(64, Math.min(entries | 0, 1 << 24));
    this.buf = Buffer.allocUnsafe(Math.max(256, Math.min(arenaBytes | 0, 1 << 30)));
    this.setStart = new Int32Array(e);
    this.setSplit = new Int32Array(e);
    this.setEnd = new Int32Array(e);
    this.setLabels = new Int32Array(e);
    this.entrySet = new Int32Array(e);
    this.nameStart = new Int32Array(e);
    this.nameEnd = new Int32Array(e);
    this.values = new Float64Array(e);
    this.timestamps = new Float64Array(e);
  }

  /**
   * A batch sized for a body of `chars` characters whose samples take about `charsPerSample` each (a text
   * line's labels are about as many bytes in the arena as in the body; an Influx line's fields share them).
   */
  static forBody(chars: number, charsPerSample: number): FloatBatch {
    return new FloatBatch(chars + 1024, Math.ceil(chars / charsPerSample) + 16);
  }

  /** Every set (and name) keeps the remote_write label rules as written; see the class comment. */
  canonical = true;
  /** The parser proved no two entries have equal label sets. */
  distinct = false;
  /**
   * Every entry is also written whole, as its WriteRequest entry (tag, length, TimeSeries: labels in the
   * order encodeBatchSeries copies them, then its one sample), entry after entry back to back from the
   * arena's start, its name entry the first label (no label sorts before `__name__`): the text import's
   * batches (batch-text.ts). encodeBatchSeries then hands out the arena instead of copying it.
   */
  framed = false;
  /** Largest label count of an entry (its set's labels plus `__name__`). */
  maxLabels = 0;
  maxNameLength = 0;
  maxValueLength = 0;

  /**
   * Writes a label set: `labels` sorted by name (a stable sort), leaving out the one at `skip` (a caller's
   * own `__name__`, -1 for none; with a `skip` the caller guarantees the names strictly ascending, none
   * empty). Returns the set's id for addSample.
   */
  addLabelSet(labels: readonly Label[], skip = -1): number {
    return skip >= 0 && this.canonicalAround(labels, skip) ? this.addCanonicalSet(labels, skip) : this.addAnySet(labels, skip);
  }

  /** Cheap test that labels around `__name__` at `skip` keep the rules (the caller already sorted and checked for duplicates). */
  private canonicalAround(labels: readonly Label[], skip: number): boolean {
    for (let k = 0; k < labels.length; k++) if (k !== skip && labels[k]!.value === '') return false;
    return labels[skip]!.name === METRIC_NAME_LABEL;
  }

  /**
   * addLabelSet when the caller guarantees `labels` strictly ascending by name, none empty (name or value),
   * with `__name__` at `skip` (the Prometheus text parser after checkLabelNames and normalizeLabels): no
   * string comparisons; `__name__` goes where it was.
   */
  private addCanonicalSet(labels: readonly Label[], skip: number): number {
    const id = this.sets;
    if (id === this.setStart.length) this.growSets();
    this.setStart[id] = this.used;
    for (let k = 0; k < labels.length; k++) {
      if (k === skip) {
        this.setSplit[id] = this.used;
        continue;
      }
      const l = labels[k]!;
      if (l.name.length > this.maxNameLength) this.maxNameLength = l.name.length;
      if (l.value.length > this.maxValueLength) this.maxValueLength = l.value.length;
      this.writeLabel(l.name, l.value, undefined);
    }
    this.setEnd[id] = this.used;
    this.setLabels[id] = labels.length - 1;
    if (labels.length > this.maxLabels) this.maxLabels = labels.length;
    this.sets = id + 1;
    return id;
  }

  private addAnySet(labels: readonly Label[], skip: number): number {
    const id = this.sets;
    if (id === this.setStart.length) this.growSets();
    this.setStart[id] = this.used;
    let split = -1;
    let count = 0;
    let prev: string | undefined;
    for (let k = 0; k < labels.length; k++) {
      if (k === skip) continue;
      const l = labels[k]!;
      const name = l.name;
      if (split < 0 && name >= METRIC_NAME_LABEL) split = this.used;
      if (name === '' || l.value === '' || name === METRIC_NAME_LABEL || (prev !== undefined && !(prev < name))) this.canonical = false;
      prev = name;
      if (name.length > this.maxNameLength) this.maxNameLength = name.length;
      if (l.value.length > this.maxValueLength) this.maxValueLength = l.value.length;
      this.writeLabel(name, l.value, undefined);
      count++;
    }
    this.setSplit[id] = split < 0 ? this.used : split;
    this.setEnd[id] = this.used;
    this.setLabels[id] = count;
    if (count + 1 > this.maxLabels) this.maxLabels = count + 1;
    this.sets = id + 1;
    return id;
  }

  /** One sample of the series `set` plus `__name__` = `name` (or `name_tail` when `tail` is given: Influx's `<measurement>_<field>`). */
  addSample(set: number, name: string, tail: string | undefined, value: number, timestamp: number): void {
    const i = this.length;
    if (i === this.entrySet.length) this.growEntries();
    this.entrySet[i] = set;
    this.nameStart[i] = this.used;
    const nameLength = tail === undefined ? name.length : name.length + 1 + tail.length;
    if (nameLength > this.maxValueLength) this.maxValueLength = nameLength;
    if (nameLength === 0) this.canonical = false;
    if (METRIC_NAME_LABEL.length > this.maxNameLength) this.maxNameLength = METRIC_NAME_LABEL.length;
    this.writeLabel(METRIC_NAME_LABEL, name, tail);
    this.nameEnd[i] = this.used;
    this.values[i] = value;
    this.timestamps[i] = timestamp;
    this.length = i + 1;
  }

  /** A Label entry of ASCII name a[ns, ne) and value b[vs, ve). Internal: for batch-text.ts. */
  writeTextLabel(a: string, ns: number, ne: number, b: string, vs: number, ve: number): void {
    const nl = ne - ns;
    const vl = ve - vs;
    const body = 1 + varintSize(nl) + nl + 1 + varintSize(vl) + vl;
    this.reserve(1 + varintSize(body) + body);
    const buf = this.buf;
    buf[this.used++] = 0x0a;
    this.varint(body);
    buf[this.used++] = 0x0a;
    this.varint(nl);
    let p = this.used;
    for (let k = ns; k < ne; k++) buf[p++] = a.charCodeAt(k);
    buf[p++] = 0x12;
    this.used = p;
    this.varint(vl);
    p = this.used;
    for (let k = vs; k < ve; k++) buf[p++] = b.charCodeAt(k);
    this.used = p;
  }

  /** Bytes of entry i's labels (set plus name) as TimeSeries field-1 entries. */
  labelBytes(i: number): number {
    const set = this.entrySet[i]!;
    return this.setEnd[set]! - this.setStart[set]! + this.nameEnd[i]! - this.nameStart[i]!;
  }

  /** A protobuf Label entry (TimeSeries field 1) for name and value (`value_tail` when tail is given). Internal: for batch-text.ts. */
  writeLabel(name: string, value: string, tail: string | undefined): void {
    const chars = name.length + value.length + (tail === undefined ? 0 : tail.length + 1);
    // Short ASCII labels (nearly all): every length fits one varint byte; one pass writes and checks.
    if (chars <= 120) {
      if (this.used + chars + 6 > this.buf.length) this.reserve(chars + 6);
      const buf = this.buf;
      const start = this.used;
      let p = start + 4;
      let high = 0;
      for (let k = 0; k < name.length; k++) high |= buf[p++] = name.charCodeAt(k);
      buf[p++] = 0x12;
      const valueLengthAt = p++;
      for (let k = 0; k < value.length; k++) high |= buf[p++] = value.charCodeAt(k);
      if (tail !== undefined) {
        buf[p++] = 0x5f; // '_'
        for (let k = 0; k < tail.length; k++) high |= buf[p++] = tail.charCodeAt(k);
      }
      // `high` keeps the char codes' bits (before the byte store truncates them): below 0x80, all ASCII.
      if (high < 0x80) {
        buf[start] = 0x0a;
        buf[start + 1] = p - start - 2;
        buf[start + 2] = 0x0a;
        buf[start + 3] = name.length;
        buf[valueLengthAt] = p - valueLengthAt - 1;
        this.used = p;
        return;
      }
    }
    this.writeLabelSlow(name, value, tail);
  }

  private writeLabelSlow(name: string, value: string, tail: string | undefined): void {
    const nl = utf8Length(name);
    const vl = tail === undefined ? utf8Length(value) : utf8Length(value) + 1 + utf8Length(tail);
    const body = 1 + varintSize(nl) + nl + 1 + varintSize(vl) + vl;
    this.reserve(1 + varintSize(body) + body);
    this.buf[this.used++] = 0x0a;
    this.varint(body);
    this.buf[this.used++] = 0x0a;
    this.varint(nl);
    this.text(name);
    this.buf[this.used++] = 0x12;
    this.varint(vl);
    this.text(value);
    if (tail !== undefined) {
      this.buf[this.used++] = 0x5f; // '_'
      this.text(tail);
    }
  }

  private text(s: string): void {
    const n = s.length;
    const buf = this.buf;
    let p = this.used;
    for (let k = 0; k < n; k++) {
      const c = s.charCodeAt(k);
      if (c >= 0x80) {
        this.used = p + buf.write(s.slice(k), p, 'utf8');
        return;
      }
      buf[p++] = c;
    }
    this.used = p;
  }

  /** Internal: for batch-text.ts. */
  varint(n: number): void {
    const buf = this.buf;
    while (n >= 0x80) {
      buf[this.used++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    buf[this.used++] = n;
  }

  /** Internal: for batch-text.ts. */
  reserve(n: number): void {
    if (this.used + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.used + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.used);
    this.buf = next;
  }

  /**
   * reserve for a writer that has written past `used` (bytes not yet taken into the batch): room for `n`
   * bytes past `end` (>= used), keeping everything before `end`. Internal: for the one-pass writers.
   */
  reserveAt(end: number, n: number): void {
    if (end + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < end + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, end);
    this.buf = next;
  }

  /** Internal: for batch-text.ts. */
  growSets(): void {
    const n = this.setStart.length * 2;
    this.setStart = grow32(this.setStart, n);
    this.setSplit = grow32(this.setSplit, n);
    this.setEnd = grow32(this.setEnd, n);
    this.setLabels = grow32(this.setLabels, n);
  }

  /** Internal: for batch-text.ts. */
  growEntries(): void {
    const n = this.entrySet.length * 2;
    this.entrySet = grow32(this.entrySet, n);
    this.nameStart = grow32(this.nameStart, n);
    this.nameEnd = grow32(this.nameEnd, n);
    const v = new Float64Array(n);
    v.set(this.values);
    this.values = v;
    const t = new Float64Array(n);
    t.set(this.timestamps);
    this.timestamps = t;
  }
}

function grow32(a: Int32Array, n: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(n);
  b.set(a);
  return b;
}
