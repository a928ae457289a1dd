import type { Label } from '../model/types.ts';

/**
 * The label set under relabeling, with the semantics of Prometheus's labels.Builder (kept for compatibility:
 * the order in which `range()` visits labels decides which one wins when labelmap maps two labels to the same
 * name): the base labels, a list of deleted names and a list of set labels. Setting an empty value deletes.
 * Not reentrant: one builder serves one label set at a time.
 */
export class LabelBuilder {
  private base: readonly Label[] = [];
  private add: Label[] = [];
  private del: string[] = [];

  reset(base: readonly Label[]): this {
    this.base = base;
    this.add.length = 0;
    this.del.length = 0;
    return this;
  }

  /** The current value, or '' when absent. */
  get(name: string): string {
    const add = this.add;
    for (let i = 0; i < add.length; i++) if (add[i]!.name === name) return add[i]!.value;
    const del = this.del;
    for (let i = 0; i < del.length; i++) if (del[i] === name) return '';
    const base = this.base;
    for (let i = 0; i < base.length; i++) if (base[i]!.name === name) return base[i]!.value;
    return '';
  }

  set(name: string, value: string): void {
    if (value === '') {
      this.delete(name);
      return;
    }
    const add = this.add;
    for (let i = 0; i < add.length; i++) {
      if (add[i]!.name === name) {
        if (add[i]!.value !== value) add[i] = { name, value };
        return;
      }
    }
    add.push({ name, value });
  }

  delete(name: string): void {
    const add = this.add;
    for (let i = 0; i < add.length; i++) {
      if (add[i]!.name === name) {
        add.splice(i, 1);
        break;
      }
    }
    this.del.push(name);
  }

  /** A snapshot in Prometheus's Range order: unchanged base labels (in base order), then set labels in set order. */
  range(): Label[] {
    const out: Label[] = [];
    const add = this.add;
    const del = this.del;
    for (const l of this.base) {
      if (l.value === '') continue;
      if (del.includes(l.name)) continue;
      let overridden = false;
      for (let i = 0; i < add.length; i++) {
        if (add[i]!.name === l.name) {
          overridden = true;
          break;
        }
      }
      if (!overridden) out.push(l);
    }
    for (const l of add) out.push(l);
    return out;
  }

  /** True when no label was set or deleted since reset. */
  unchanged(): boolean {
    return this.add.length === 0 && this.del.length === 0;
  }

  /**
   * The resulting label set: a new array, sorted by name, unique names (the first of duplicate base labels
   * wins, as get() sees it), without empty names or values. Label objects are shared with the input.
   * Merges the (sorted) base with the few set labels instead of sorting everything.
   */
  labels(): Label[] {
    const base = this.base;
    const add = this.add;
    const del = this.del;
    const out: Label[] = [];
    let sets = add;
    if (add.length > 1) {
      sets = add.slice();
      for (let i = 1; i < sets.length; i++) {
        const x = sets[i]!;
        let j = i - 1;
        while (j >= 0 && sets[j]!.name > x.name) {
          sets[j + 1] = sets[j]!;
          j--;
        }
        sets[j + 1] = x;
      }
    }
    let j = 0;
    let prev = '';
    for (let i = 0; i < base.length; i++) {
      const l = base[i]!;
      if (i > 0 && l.name < base[i - 1]!.name) return this.labelsUnsorted();
      if (l.value === '' || l.name === '') continue;
      while (j < sets.length && sets[j]!.name < l.name) {
        const a = sets[j++]!;
        if (a.name !== '') out.push(a);
      }
      if (j < sets.length && sets[j]!.name === l.name) continue; // overridden: pushed when passed
      if (del.length > 0 && del.includes(l.name)) continue;
      if (out.length > 0 && l.name === prev) continue; // duplicate in base
      out.push(l);
      prev = l.name;
    }
    while (j < sets.length) {
      const a = sets[j++]!;
      if (a.name !== '') out.push(a);
    }
    return out;
  }

  /** labels() for a base that breaks the sorted contract. */
  private labelsUnsorted(): Label[] {
    const out = this.range().filter((l) => l.name !== '' && l.value !== '');
    out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)); // stable: first duplicate stays first
    let u = 0;
    for (let r = 0; r < out.length; r++) {
      if (u > 0 && out[u - 1]!.name === out[r]!.name) continue;
      out[u++] = out[r]!;
    }
    out.length = u;
    return out;
  }
}
