import { ConfigError } from '../errors.ts';
import { describe, readRuleSpec } from './config-read.ts';
import { compilePromRegex, compileUnanchoredRegex, RegexSyntaxError } from './regex.ts';
import { buildRun } from './rules.ts';
import { NotationError, parseSelector, type Selector } from './selector.ts';
import type { CompiledRelabel, CompiledRule, RuleSpec } from './types.ts';
import { validateRuleSpec } from './validate.ts';

/** How a regex error reads: `"(" : missing closing )`, plus the offending part when it is not the whole. */
function regexProblem(source: string, e: RegexSyntaxError): string {
  const where = e.fragment !== '' && e.fragment !== source ? ` in ${JSON.stringify(e.fragment)}` : '';
  return `${JSON.stringify(source)} : ${e.description}${where}`;
}

function checkRegex(s: RuleSpec, problems: string[]): void {
  if (s.regex === undefined || s.bad.has('regex')) return;
  try {
    if (s.action === 'replace_all' || s.action === 'labelmap_all') compileUnanchoredRegex(s.regex);
    else compilePromRegex(s.regex);
  } catch (e) {
    if (!(e instanceof RegexSyntaxError)) throw e;
    problems.push(`${s.path}.regex: ${regexProblem(s.regex, e)}`);
  }
}

function compileSelectors(s: RuleSpec, problems: string[]): Selector[] {
  const out: Selector[] = [];
  const list = s.ifSelectors ?? [];
  list.forEach((text, i) => {
    const at = s.ifIsList ? `[${i}]` : '';
    try {
      out.push(parseSelector(text));
    } catch (e) {
      if (e instanceof NotationError) {
        problems.push(`${s.path}.if${at}: cannot parse series selector ${JSON.stringify(text)}: ${e.message}`);
      } else if (e instanceof RegexSyntaxError) {
        problems.push(`${s.path}.if${at}: bad regex in ${JSON.stringify(text)}: ${e.description}`);
      } else throw e;
    }
  });
  return out;
}

/**
 * Validates and compiles relabel rules (a list as parsed from YAML; null/undefined = no rules). `path` names
 * the list in messages (`remote_write[1].write_relabel_configs`). Throws ConfigError listing every problem,
 * each as `<path>[i].<key>: <reason>`, e.g. `relabel_configs[2].regex: "(" : missing closing )`.
 */
export function compileRelabelConfigs(raw: unknown, path: string): CompiledRelabel {
  if (raw === undefined || raw === null) return { rules: [] };
  if (!Array.isArray(raw)) throw new ConfigError([`${path}: must be a list of relabel rules, got ${describe(raw)}`]);
  const problems: string[] = [];
  const rules: CompiledRule[] = [];
  raw.forEach((item, index) => {
    const spec = readRuleSpec(item, index, `${path}[${index}]`, problems);
    if (spec === undefined) return;
    const before = problems.length;
    validateRuleSpec(spec, problems);
    const selectors = compileSelectors(spec, problems);
    checkRegex(spec, problems);
    if (problems.length === before && spec.bad.size === 0) {
      rules.push({ index, action: spec.action, run: buildRun(spec, selectors) });
    }
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return rules.length ? { rules, source: { raw, path } } : { rules };
}
