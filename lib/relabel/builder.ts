import type { Label } from '../model/types.ts';

/**
 * The label set under relabeling, with the semantics of Prometheus's labels.Builder (kept for compatibility:
 * the order in which `range()` visits labels decides which one wins when labelmap maps two labels to the same
 * name): unchanged base labels in base order, then labels set by rules in the order they were first set.
 * Setting an empty value deletes. Stored as one array, copied from the base on the first change.
 * Not reentrant: one builder serves one label set at a time.
 */
/** splice(i, 1) without its overhead (the arrays are small). */
function removeAt(a: Label[], i: number): void {
  for (let k = i + 1; k < a.length; k++) a[k - 1] = a[k]!;
  a.length--;
}

export class LabelBuilder {
  private base: readonly Label[] = [];
  private cur: Label[] = [];
  private owned = false;
  /** cur[0, nBase) are unchanged base labels (in base order); the rest were set by rules. */
  private nBase = 0;

  reset(base: readonly Label[]): this {
    this.base = base;
    this.cur = [];
    this.owned = false;
    this.nBase = base.length;
    return this;
  }

  private own(): Label[] {
    if (!this.owned) {
      this.cur = this.base.slice();
      this.owned = true;
    }
    return this.cur;
  }

  /** The current value, or '' when absent. */
  get(name: string): string {
    const a = this.owned ? this.cur : this.base;
    for (let i = 0; i < a.length; i++) if (a[i]!.name === name) return a[i]!.value;
    return '';
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
    this.removeFromBase(a, name);
    a.push(l);
  }

  delete(name: string): void {
    const a = this.owned ? this.cur : this.base;
    let found = false;
    for (let i = 0; i < a.length; i++) {
      if (a[i]!.name === name) {
        found = true;
        break;
      }
    }
    if (!found) return;
    const o = this.own();
    this.removeFromBase(o, name);
    for (let i = this.nBase; i < o.length; i++) {
      if (o[i]!.name === name) {
        removeAt(o, i);
        break;
      }
    }
  }

  private removeFromBase(a: Label[], name: string): void {
    for (let i = 0; i < this.nBase; ) {
      if (a[i]!.name === name) {
        removeAt(a, i);
        this.nBase--;
      } else i++;
    }
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

  /** A snapshot in Prometheus's Range order (unchanged base labels, then set labels), without empty values. */
  range(): Label[] {
    const a = this.owned ? this.cur : this.base;
    const out: Label[] = [];
    for (let i = 0; i < a.length; i++) if (a[i]!.value !== '') out.push(a[i]!);
    return out;
  }

  /**
   * The resulting label set: a new array, sorted by name, unique names (the first of duplicate base labels
   * wins, as get() sees it), without empty names or values. Label objects are shared with the input.
   * Merges the (sorted) base labels with the few set labels instead of sorting everything. With `last`, the
   * builder may be reordered (no rule runs after it).
   */
  labels(last = false): Label[] {
    const a = this.owned ? this.cur : this.base;
    const nBase = this.nBase;
    // The set labels, sorted by name (insertion sort: they are few): in place when allowed, else a copy.
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
    const out: Label[] = [];
    let j = s0;
    let prev: Label | undefined;
    for (let i = 0; i < nBase; i++) {
      const l = a[i]!;
      if (prev !== undefined && l.name <= prev.name) {
        if (l.name < prev.name) return this.labelsUnsorted();
        continue; // duplicate in base: the first wins
      }
      prev = l;
      if (l.value === '' || l.name === '') continue;
      while (j < sets.length && sets[j]!.name < l.name) {
        const x = sets[j++]!;
        if (x.name !== '') out.push(x);
      }
      out.push(l);
    }
    while (j < sets.length) {
      const x = sets[j++]!;
      if (x.name !== '') out.push(x);
    }
    return out;
  }

  /** labels() for a base that breaks the sorted contract. */
  private labelsUnsorted(): Label[] {
    const out = this.range().filter((l) => l.name !== '');
    out.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0)); // stable: first duplicate stays first
    let u = 0;
    for (let r = 0; r < out.length; r++) {
      if (u > 0 && out[u - 1]!.name === out[r]!.name) continue;
      out[u++] = out[r]!;
    }
    out.length = u;
    return out;
  }
}
