import { parse } from 'yaml';
import { formatSeries } from '../../../lib/model/labels.ts';
import { applyRelabel, compileRelabelConfigs } from '../../../lib/relabel/index.ts';
import { parseSeriesNotation } from '../../../lib/relabel/series-notation.ts';

/** Compiles YAML rules, applies them to a series in Prometheus notation, returns formatSeries or DROPPED. */
export function relabelOne(rulesYaml: string, series: string): string {
  const compiled = compileRelabelConfigs(parse(rulesYaml, { intAsBigInt: true }), 'relabel_configs');
  const out = applyRelabel(compiled, parseSeriesNotation(series));
  return out === undefined ? 'DROPPED' : formatSeries(out);
}

/** The ConfigError problems for YAML rules (throws when they compile). */
export function configProblems(rulesYaml: string): string[] {
  try {
    compileRelabelConfigs(parse(rulesYaml, { intAsBigInt: true }), 'relabel_configs');
  } catch (e) {
    return (e as { problems?: string[] }).problems ?? [String(e)];
  }
  throw new Error('expected a ConfigError');
}
