import { excerpt } from '../../errors.ts';
import { isValidLabelName } from '../../model/labels.ts';

/**
 * A group of targets as Prometheus' discovery produces it (targetgroup.Group): each target has
 * `__address__` and its own `__meta_*` labels; `labels` are the labels common to the group (for file and
 * HTTP SD they include `__meta_filepath` / `__meta_url`). `source` identifies the group within its
 * mechanism (`<file>:<index>`, `<url>:<index>`, the EC2 region, the static_configs index).
 */
export interface TargetGroup {
  source: string;
  targets: Record<string, string>[];
  labels: Record<string, string>;
}

/** A target-group document that cannot be used; the message names the document, the item and the reason. */
export class TargetGroupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TargetGroupError';
  }
}

/**
 * Parses Prometheus' target-group format, `[{targets: [host:port, ...], labels: {name: value}}]`, from JSON or
 * YAML text. `what` names the document in errors. Like Prometheus: unknown keys in a group are errors (YAML is
 * read strictly, JSON ignores them: Go's json.Unmarshal does), a null item is an error, label names must be
 * valid (the gateway's legacy name scheme). In YAML every scalar is taken as its source text (`port: 8080` is
 * "8080", `1.0` stays "1.0"), as Go's yaml.v2 does for string fields; in JSON values must be strings. Labels
 * with empty values are left out (Prometheus treats them as absent). An empty YAML document is no groups.
 * Async because the YAML parser loads with the first YAML document: a scrape function whose discovery is
 * static or JSON never compiles it at a cold start.
 */
export async function parseTargetGroups(text: string, format: 'json' | 'yaml', what: string): Promise<Omit<TargetGroup, 'source'>[]> {
  let doc: unknown;
  const yaml = format === 'yaml' ? await import('yaml') : undefined;
  try {
    doc = yaml === undefined ? JSON.parse(text) : yaml.parse(text, { schema: 'failsafe', strict: true, uniqueKeys: true, maxAliasCount: 100 });
  } catch (err) {
    throw new TargetGroupError(`${what}: invalid ${format.toUpperCase()}: ${firstLine((err as Error).message)}`);
  }
  if (doc === null || doc === undefined) {
    if (format === 'json') throw new TargetGroupError(`${what}: expected a list of target groups, got null`);
    return [];
  }
  if (!Array.isArray(doc)) throw new TargetGroupError(`${what}: expected a list of target groups, got ${kind(doc)}`);
  return doc.map((item, i) => parseGroup(item, format, `${what}: group ${i}`));
}

function parseGroup(item: unknown, format: 'json' | 'yaml', where: string): Omit<TargetGroup, 'source'> {
  // The failsafe YAML schema reads an empty node as ''; structurally that is YAML's null.
  const nil = (v: unknown): boolean => v === undefined || v === null || (format === 'yaml' && v === '');
  // Compatibility: Prometheus refuses a null item ("nil target group item found").
  if (nil(item)) throw new TargetGroupError(`${where}: nil target group item found`);
  if (typeof item !== 'object' || Array.isArray(item)) throw new TargetGroupError(`${where}: expected a mapping with targets and labels, got ${kind(item)}`);
  const o = item as Record<string, unknown>;
  if (format === 'yaml') {
    for (const k of Object.keys(o)) if (k !== 'targets' && k !== 'labels') throw new TargetGroupError(`${where}: unknown field ${excerpt(k)} (allowed: targets, labels)`);
  }
  const targets: Record<string, string>[] = [];
  if (!nil(o.targets)) {
    if (!Array.isArray(o.targets)) throw new TargetGroupError(`${where}: targets must be a list of strings, got ${kind(o.targets)}`);
    o.targets.forEach((t, j) => {
      if (typeof t !== 'string') throw new TargetGroupError(`${where}: targets[${j}] must be a string, got ${kind(t)}`);
      targets.push({ __address__: t });
    });
  }
  const labels: Record<string, string> = {};
  if (!nil(o.labels)) {
    if (typeof o.labels !== 'object' || Array.isArray(o.labels)) throw new TargetGroupError(`${where}: labels must be a mapping, got ${kind(o.labels)}`);
    for (const [name, value] of Object.entries(o.labels as Record<string, unknown>)) {
      if (!isValidLabelName(name)) throw new TargetGroupError(`${where}: ${excerpt(name)} is not a valid label name`);
      if (typeof value !== 'string') throw new TargetGroupError(`${where}: label ${name} must be a string, got ${kind(value)}`);
      // Compatibility: an empty value is no label at all in Prometheus.
      if (value !== '') labels[name] = value;
    }
  }
  return { targets, labels };
}

function kind(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${excerpt(String(v), 60)}`;
}

function firstLine(s: string): string {
  return excerpt(s.split('\n')[0] ?? '');
}
