import type { Label } from '../model/types.ts';
import { METRIC_NAME_LABEL, normalizeLabels } from '../model/labels.ts';
import { NotationError, Scanner } from './notation.ts';

export { NotationError } from './notation.ts';

const SAMPLE_TAIL = /^[ \t]+[-+]?(?:[0-9.]+(?:[eE][-+]?[0-9]+)?|Inf|NaN)(?:[ \t]+-?[0-9]+)?[ \t]*$/i;

/**
 * Parses one series in Prometheus notation: `name`, `name{a="1",b="2"}`, `{__name__="name",a="1"}` or
 * `{"name",a="1"}`, label values with the text format's escapes (`\\`, `\"`, `\n`), quoted label names
 * allowed. A trailing sample value and timestamp (as in a /metrics line) are accepted and ignored.
 * Returns sorted labels without empty values. Throws NotationError for anything else (duplicate labels,
 * bad escapes, trailing text).
 */
export function parseSeriesNotation(text: string): Label[] {
  const sc = new Scanner(text);
  const labels: Label[] = [];
  const seen = new Set<string>();
  const push = (name: string, value: string, at: number): void => {
    if (seen.has(name)) throw new NotationError(`duplicate label ${JSON.stringify(name)}`, at);
    seen.add(name);
    labels.push({ name, value });
  };
  sc.skipSpace();
  const nameAt = sc.pos;
  const name = sc.metricName();
  if (name !== undefined) push(METRIC_NAME_LABEL, name, nameAt);
  const afterName = sc.pos;
  sc.skipSpace();
  if (sc.peek() !== '{') sc.pos = afterName;
  if (sc.peek() === '{') {
    sc.pos++;
    sc.skipSpace();
    while (!sc.eat('}')) {
      const at = sc.pos;
      let label: string | undefined;
      if (sc.peek() === '"') {
        const quoted = sc.textString();
        sc.skipSpace();
        if (sc.peek() !== '=') {
          push(METRIC_NAME_LABEL, quoted, at); // {"metric.name", ...}
          label = undefined;
        } else label = quoted;
      } else {
        label = sc.labelName();
        if (label === undefined) throw sc.error('expected a label name');
      }
      if (label !== undefined) {
        sc.skipSpace();
        sc.expect('=', '"="');
        sc.skipSpace();
        push(label, sc.textString(), at);
      }
      sc.skipSpace();
      if (sc.eat(',')) {
        sc.skipSpace();
        continue;
      }
      if (sc.peek() !== '}') throw sc.error('expected "," or "}"');
    }
  } else if (name === undefined) {
    throw sc.error('expected a metric name or "{"');
  }
  const rest = text.slice(sc.pos);
  if (rest.trim() !== '' && !SAMPLE_TAIL.test(rest)) {
    sc.skipSpace();
    throw sc.error('unexpected text after the series');
  }
  return normalizeLabels(labels);
}
