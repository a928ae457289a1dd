import * as v from 'valibot';
import { WARNING } from './kit.ts';

/** What a schema says about a document: problems (it is refused) and warnings (it is accepted). */
export interface ShapeReport {
  problems: string[];
  warnings: string[];
}

/**
 * Validates `raw` against a schema, every problem as `<path>: <reason>` with today's path form
 * (`remote_write[1].queue_config.max_backoff`; unknown top-level keys under `(root)`). `root` prefixes
 * paths (e.g. `otlp` for a section validated alone).
 */
export function checkShape(schema: v.GenericSchema, raw: unknown, root = '', sep = '.'): ShapeReport {
  const result = v.safeParse(schema, raw, { abortEarly: false, abortPipeEarly: true });
  const report: ShapeReport = { problems: [], warnings: [] };
  if (result.success) return report;
  for (const issue of result.issues) {
    const path = formatPath(root, sep, issue);
    if (issue.message.startsWith(WARNING)) report.warnings.push(`${path}: ${issue.message.slice(WARNING.length)}`);
    else report.problems.push(`${path}: ${issue.message}`);
  }
  return report;
}

/**
 * `sep` joins root and the rest (a scrape_config_files document's jobs are `<file> scrape_configs[0]`); an
 * unknown key at the top is always joined with `.`, under `(root)` when there is no root, as the hand
 * checker named them.
 */
function formatPath(root: string, sep: string, issue: v.BaseIssue<unknown>): string {
  const items = issue.path ?? [];
  const unknownAtTop = items.length === 1 && issue.kind === 'schema' && issue.expected === 'never';
  let out = '';
  for (const item of items) {
    if (item.type === 'array') out += `[${String(item.key)}]`;
    else out += out === '' ? String(item.key) : `.${String(item.key)}`;
  }
  if (unknownAtTop) return `${root || '(root)'}.${out}`;
  if (root === '') return out === '' ? '(root)' : out;
  return out === '' ? root : `${root}${sep}${out}`;
}

/** The schema's problems, then a reader's (semantic) ones at paths the schema did not already name. */
export function mergeProblems(shape: readonly string[], readers: readonly string[]): string[] {
  const pathOf = (p: string): string => p.slice(0, p.indexOf(': '));
  const named = new Set(shape.map(pathOf));
  return [...shape, ...readers.filter((p) => !named.has(pathOf(p)))];
}
