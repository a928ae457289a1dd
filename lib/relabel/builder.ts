import type { Label } from '../model/types.ts';

/** splice(i, 1) without its overhead (the arrays are small). */
function removeAt(a: Label[], i: number): void {
  for (let k = i + 1; k < a.length; k++) a[k - 1] = a[k]!;
  a.length--;
}

function byName(x: Label, y: Label): number {
  return x.name < y.name ? -1 : x.name > y.name ? 1 : 0;
}

/** The labels sorted by name with unique names (the first of duplicates wins); the input when already so. */
function sortedUnique(base: readonly Label[]): readonly Label[] {
  let ok = true;
  for (let i = 1; i < base.length; i++) {
    if (!(base[i - 1]!.name < base[i]!.name)) {
      ok = false;
      break;
    }
  }
  if (ok) return base;
  const s = base.slice().sort(byName); // stable: the first duplicate stays first
  let u = 0;
  for (let r = 0; r < s.length; r++) if (u === 0 || s[u - 1]!.name !== s[r]!.name) s[u++] = s[r]!;
  s.length = u;
  return s;
}

/**
 * The label set under relabeling, with the semantics of Prometheus's labels.Builder (kept for compatibility:
 * the order in which `range()` visits labels decides which one wins when labelmap maps two labels to the same
 * name): unchanged base labels in base order, then labels set by rules in the order they were first set.
 * Setting an empty value deletes. Stored as one array, copied from the base on the first change; the base part
 * stays sorted (binary search), the few set labels are scanned.
 * Not reentrant: one builder serves one label set at a time.
 */
const NONE: Label[] = [];

export class LabelBuilder {
  private base: readonly Label[] = [];
  private cur: Label[] = [];
  private owned = false;
  /** cur[0, nBase) are unchanged base labels (sorted, unique); the rest were set by rules. */
  private nBase = 0;

  /** Starts over from `base` (expected sorted by name with unique names; anything else is sorted first). */
  reset(base: readonly Label[]): this {
    this.base = sortedUnique(base);
    this.cur = [];
    this.owned = false;
    this.nBase = this.base.length;
    return this;
  }

  private own(): Label[] {
    if (!this.owned) {
      this.cur = this.base.slice();
      this.owned = true;
    }
    return this.cur;
  }

  /** Index of `name` in the sorted base part, or -1. */
  private findBase(a: readonly Label[], name: string): number {
    let lo = 0;
    let hi = this.nBase - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const n = a[mid]!.name;
      if (n === name) return mid;
      if (n < name) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** The current value, or '' when absent. */
  get(name: string): string {
    const a = this.owned ? this.cur : this.base;
    for (let i = this.nBase; i < a.length; i++) if (a[i]!.name === name) return a[i]!.value;
    const i = this.findBase(a, name);
    return i < 0 ? '' : a[i]!.value;
  }

  set(name: string, value: string): void {
    if (value === '') this.delete(name);
    else this.setLabel({ name, value });
  }

  /** set() with a ready label object (shared, never modified); its value must not be empty. */
  setLabel(l: Label): void {
    const a = this.own();
    const name = l.name;
    for (let i = this.nBase; i < a.length; i++) {
      if (a[i]!.name === name) {
        a[i] = l;
        return;
      }
    }
    const i = this.findBase(a, name);
    if (i >= 0) {
      removeAt(a, i);
      this.nBase--;
    }
    a.push(l);
  }

  delete(name: string): void {
    const a = this.owned ? this.cur : this.base;
    let i = -1;
    for (let k = this.nBase; k < a.length; k++) {
      if (a[k]!.name === name) {
        i = k;
        break;
      }
    }
    const inBase = i < 0 ? this.findBase(a, name) : -1;
    if (i < 0 && inBase < 0) return;
    const o = this.own();
    if (inBase >= 0) {
      removeAt(o, inBase);
      this.nBase--;
    } else removeAt(o, i);
  }

  /** Deletes every label whose name satisfies `drop` (labeldrop/labelkeep; order does not matter there). */
  deleteWhere(drop: (name: string) => boolean): void {
    const a = this.owned ? this.cur : this.base;
    let first = -1;
    for (let i = 0; i < a.length; i++) {
      if (drop(a[i]!.name)) {
        first = i;
        break;
      }
    }
    if (first < 0) return;
    const o = this.own();
    let w = first;
    let nBase = first < this.nBase ? first : this.nBase;
    for (let r = first + 1; r < o.length; r++) {
      const l = o[r]!;
      if (drop(l.name)) continue;
      if (r < this.nBase) nBase++;
      o[w++] = l;
    }
    o.length = w;
    this.nBase = nBase;
  }

  /**
   * The labels (non-empty values) whose names pass `test`, in Prometheus's Range order: range() filtered,
   * without copying the whole set. The result is a snapshot (safe to keep while setting labels).
   */
  matching(test: (name: string) => boolean): Label[] {
    const a = this.owned ? this.cur : this.base;
    let out: Label[] | undefined;
    for (let i = 0; i < a.length; i++) {
      const l = a[i]!;
      if (l.value !== '' && test(l.name)) (out ??= []).push(l);
    }
    return out ?? NONE;
  }

  /** A snapshot in Prometheus's Range order (unchanged base labels, then set labels), without empty values. */
  range(): Label[] {
    const a = this.owned ? this.cur : this.base;
    const out: Label[] = [];
    for (let i = 0; i < a.length; i++) if (a[i]!.value !== '') out.push(a[i]!);
    return out;
  }

  /**
   * The resulting label set: a new array, sorted by name, unique names, without empty names or values.
   * Label objects are shared with the input. Merges the sorted base part with the few set labels instead of
   * sorting everything. With `last`, the builder may be reordered (no rule runs after it).
   */
  labels(last = false): Label[] {
    const a = this.owned ? this.cur : this.base;
    const nBase = this.nBase;
    const sets: Label[] = last && this.owned ? this.cur : a.slice(nBase);
    const s0 = sets === this.cur ? nBase : 0;
    for (let i = s0 + 1; i < sets.length; i++) {
      const x = sets[i]!;
      let j = i - 1;
      while (j >= s0 && sets[j]!.name > x.name) {
        sets[j + 1] = sets[j]!;
        j--;
      }
      sets[j + 1] = x;
    }
    const out: Label[] = new Array(nBase + sets.length - s0);
    let w = 0;
    let j = s0;
    for (let i = 0; i < nBase; i++) {
      const l = a[i]!;
      if (l.value === '' || l.name === '') continue;
      while (j < sets.length && sets[j]!.name < l.name) {
        const x = sets[j++]!;
        if (x.name !== '') out[w++] = x;
      }
      out[w++] = l;
    }
    while (j < sets.length) {
      const x = sets[j++]!;
      if (x.name !== '') out[w++] = x;
    }
    out.length = w;
    return out;
  }
}
