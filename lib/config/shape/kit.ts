import * as v from 'valibot';

/**
 * Building blocks of the gateway.yaml schema (valibot), each carrying the message today's users know
 * (`must be a whole number, got string "x"`), so a problem reads the same whether the schema or a semantic
 * check found it. Null means "not set" everywhere, as in Prometheus' YAML. Only config tooling imports this
 * folder: a prepared config (lib/config/prepared.ts) never loads it at a cold start.
 */

/** How a value is named in messages (the Checker's wording). */
export function describe(x: unknown): string {
  if (Array.isArray(x)) return 'a list';
  if (x === null) return 'null';
  if (typeof x === 'object') return 'a mapping';
  return `${typeof x} ${JSON.stringify(x)}`;
}

/** Issues that are not problems: a field accepted with no effect, or an old spelling. Told apart by this prefix. */
export const WARNING = '\u0000warning:';

type Entries = v.ObjectEntries;
interface MapOptions {
  /** The word for an unknown key: `field` (gateway.yaml) or `option` (protocol sections, as before). */
  unknown?: 'field' | 'option';
  /** Listed as allowed in the unknown-key message; defaults to the entries' keys. */
  allowed?: readonly string[];
  description?: string;
}

/** A mapping with exactly these keys; an unknown key is a problem naming the allowed ones. */
export function mapping(entries: Entries, opts: MapOptions = {}): v.GenericSchema {
  const allowed = opts.allowed ?? Object.keys(entries);
  const schema = v.strictObject(entries, (issue) => {
    if (issue.kind === 'schema' && issue.expected === 'never') {
      return opts.unknown === 'option' ? 'unknown option' : `unknown field (allowed: ${allowed.join(', ')})`;
    }
    if (issue.received === 'undefined' && issue.expected?.startsWith('"')) return 'required';
    return `must be a mapping, got ${describe(issue.input)}`;
  });
  // valibot takes a list for an object (its indexes as keys); YAML users mean different things by them.
  const noList = {
    ...schema,
    '~run'(dataset: v.UnknownDataset, config: v.Config<v.BaseIssue<unknown>>) {
      if (!Array.isArray(dataset.value)) return schema['~run'](dataset, config);
      v._addIssue(schema, 'type', dataset, config);
      return dataset as unknown as v.OutputDataset<unknown, v.BaseIssue<unknown>>;
    },
  } as typeof schema;
  return (opts.description ? v.pipe(noList, v.description(opts.description)) : noList) as v.GenericSchema;
}

/** Optional (absent or null), as every field of gateway.yaml unless said otherwise. */
export const opt = <S extends v.GenericSchema | v.GenericSchemaAsync>(s: S) => v.nullish(s as v.GenericSchema);

export const str = (description?: string) => withDescription(v.string((i) => `must be a string, got ${describe(i.input)}`), description);

export const bool = (description?: string) => withDescription(v.boolean((i) => `must be true or false, got ${describe(i.input)}`), description);

/** A whole number within [min, max] (the Checker's int). */
export function int(min: number, max = Number.MAX_SAFE_INTEGER, description?: string) {
  const range = (i: v.BaseIssue<unknown>) => `must be between ${min} and ${max}, got ${String(i.input)}`;
  return withDescription(
    v.pipe(
      v.number((i) => `must be a whole number, got ${describe(i.input)}`),
      v.integer((i) => `must be a whole number, got ${describe(i.input)}`),
      v.minValue(min, range),
      v.maxValue(max, range),
    ),
    description,
  );
}

/** Prometheus' model.Duration (`30s`, `1m30s`, `500ms`, `0`), as lib/config/duration.ts parses it. */
export const DURATION_PATTERN = /^(?:0|(?=\d)(?:\d+y)?(?:\d+w)?(?:\d+d)?(?:\d+h)?(?:\d+m)?(?:\d+s)?(?:\d+ms)?)$/;
export function duration(description?: string) {
  const msg = (i: v.BaseIssue<unknown>) => `must be a duration like 30s, 1m30s or 500ms, got ${describe(i.input)}`;
  return withDescription(v.pipe(v.string(msg), v.regex(DURATION_PATTERN, msg)), description);
}

export function list<S extends v.GenericSchema>(item: S, description?: string) {
  return withDescription(v.array(item, (i) => `must be a list, got ${describe(i.input)}`), description);
}

/** A mapping of any keys to strings (headers, labels, endpoint_params). */
export function stringMap(description?: string) {
  return withDescription(v.record(v.string(), str(), (i) => `must be a mapping, got ${describe(i.input)}`), description);
}

/** One of a fixed set of strings. */
export function oneOf<const T extends readonly string[]>(values: T, message = (x: unknown) => `must be one of ${values.join(', ')}, got ${JSON.stringify(x)}`) {
  return v.picklist(values, (i) => message(i.input));
}

/** Any value: checked elsewhere (a semantic check owns it), described here for the JSON Schema only. */
export function checkedElsewhere(json: Record<string, unknown>) {
  return v.pipe(v.unknown(), v.metadata(json)); // @valibot/to-json-schema merges metadata into the JSON Schema
}

/**
 * A field Prometheus documents that means nothing here: accepted (its type still checked) with a one-line
 * warning saying why.
 */
export function noEffect<S extends v.GenericSchema>(s: S, why: string) {
  return v.pipe(s, v.description(`Accepted for Prometheus compatibility; no effect: ${why}`), v.check(() => false, `${WARNING}accepted, no effect: ${why}`));
}

/** An old spelling of `current`: accepted with a deprecation warning. */
export function deprecated<S extends v.GenericSchema>(s: S, current: string) {
  return v.pipe(s, v.description(`Deprecated spelling of ${current}.`), v.check(() => false, `${WARNING}deprecated spelling, use ${current}`));
}

function withDescription<S extends v.GenericSchema>(s: S, description: string | undefined) {
  return description ? v.pipe(s, v.description(description)) : s;
}
