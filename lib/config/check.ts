import { parseDuration } from './duration.ts';

/**
 * A small validating reader for YAML-shaped config: every problem is recorded with its exact path
 * (`remote_write[1].queue_config.max_backoff: ...`) and reading goes on, so one load reports all of them.
 */
export class Checker {
  /**
   * shapeChecked: the document was checked against a schema (lib/config/shape/) that owns types, ranges
   * and keys; the readers then return the default for a value of the wrong type and record nothing, and
   * only fail() (semantic rules) records. strict() is a view that checks types itself, for the fields the
   * schema leaves to a reader (`checkedElsewhere`).
   */
  readonly problems: string[];
  private readonly shapeChecked: boolean;

  constructor(problems: string[] = [], shapeChecked = false) {
    this.problems = problems;
    this.shapeChecked = shapeChecked;
  }

  strict(): Checker {
    return new Checker(this.problems, false);
  }

  /** A type or range problem: the schema's when it checked the document. */
  private wrong(path: string, msg: string): void {
    if (!this.shapeChecked) this.fail(path, msg);
  }

  fail(path: string, msg: string): void {
    this.problems.push(`${path}: ${msg}`);
  }

  /**
   * A mapping. With `allowed`, unknown keys are problems (they are usually typos); gateway.yaml's sections
   * leave that to the schema (lib/config/shape/), which lists their keys.
   */
  object(v: unknown, path: string, allowed?: readonly string[]): Record<string, unknown> | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) {
      this.wrong(path, `must be a mapping, got ${describe(v)}`);
      return undefined;
    }
    const o = v as Record<string, unknown>;
    if (allowed) for (const k of Object.keys(o)) if (!allowed.includes(k)) this.wrong(join(path, k), `unknown field (allowed: ${allowed.join(', ')})`);
    return o;
  }

  array(v: unknown, path: string): unknown[] {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) {
      this.wrong(path, `must be a list, got ${describe(v)}`);
      return [];
    }
    return v;
  }

  string(v: unknown, path: string, def: string): string;
  string(v: unknown, path: string): string | undefined;
  string(v: unknown, path: string, def?: string): string | undefined {
    if (v === undefined || v === null) return def;
    if (typeof v !== 'string') {
      this.wrong(path, `must be a string, got ${describe(v)}`);
      return def;
    }
    return v;
  }

  bool(v: unknown, path: string, def: boolean): boolean {
    if (v === undefined || v === null) return def;
    if (typeof v !== 'boolean') {
      this.wrong(path, `must be true or false, got ${describe(v)}`);
      return def;
    }
    return v;
  }

  /** A whole number within [min, max] (the range is the schema's when it checked the document). */
  int(v: unknown, path: string, def: number, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): number {
    if (v === undefined || v === null) return def;
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      this.wrong(path, `must be a whole number, got ${describe(v)}`);
      return def;
    }
    if (!this.shapeChecked && (v < min || v > max)) {
      this.wrong(path, `must be between ${min} and ${max}, got ${v}`);
      return def;
    }
    return v;
  }

  /** A Prometheus duration string (`30s`, `1m30s`, `500ms`), in milliseconds. */
  duration(v: unknown, path: string, def: number): number {
    if (v === undefined || v === null) return def;
    const ms = typeof v === 'string' ? parseDuration(v) : undefined;
    if (ms === undefined) {
      this.wrong(path, `must be a duration like 30s, 1m30s or 500ms, got ${describe(v)}`);
      return def;
    }
    return ms;
  }

  stringMap(v: unknown, path: string): Record<string, string> {
    const o = this.object(v, path, Object.keys((v as object) ?? {}));
    const out: Record<string, string> = {};
    if (!o) return out;
    for (const [k, val] of Object.entries(o)) {
      const s = this.string(val, join(path, k));
      if (s !== undefined) out[k] = s;
    }
    return out;
  }
}

export function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}
