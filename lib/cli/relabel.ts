import { parse } from 'yaml';
import { ConfigError } from '../errors.ts';
import { formatSeries } from '../model/labels.ts';
import type { Label } from '../model/types.ts';
import { applyRelabelTrace, compileRelabelConfigs, dropInternalLabels, NotationError, parseSeriesNotation } from '../relabel/index.ts';

/**
 * `gateway relabel --rules FILE [--series SERIES ...] [--trace] [--keep-internal]`: applies the relabel rules in
 * FILE (a YAML list) to each series (arguments, else one per line of stdin; blank and `#` lines skipped) and
 * prints one line per series: the result in Prometheus notation (labels sorted, values escaped as the text
 * format) or DROPPED (or INVALID, with the reason on stderr). Labels starting with `__` (except __name__) are
 * removed at the end as the pipeline does, unless --keep-internal. --trace adds `#` lines before each result:
 * the input, each rule's index, action and result, and the internal-label removal.
 * Exit code: 0, 1 when the rules or a series are invalid, 2 for usage errors. Pure: no process access.
 */
export interface CliIo {
  /** Stdin text, or a function reading it (called only when no --series is given). */
  stdin?: string | (() => string);
  /** Reads a file as UTF-8; may throw (the message is reported). */
  readFile: (path: string) => string;
}

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export const RELABEL_USAGE = `usage: gateway relabel --rules FILE [--series SERIES ...] [--trace] [--keep-internal]
  --rules FILE       YAML list of relabel rules (Prometheus relabel_config, plus vmagent's extras)
  --series SERIES    a series such as 'up{job="node"}' (repeatable); without it, one series per stdin line
  --trace            show each rule's effect (lines starting with #)
  --keep-internal    keep labels starting with __ in the output
`;

interface Options {
  rules: string;
  series: string[];
  trace: boolean;
  keepInternal: boolean;
}

function parseArgs(argv: readonly string[]): Options | string {
  const o: Options = { rules: '', series: [], trace: false, keepInternal: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.indexOf('=');
    const flag = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    const value = (): string | undefined => (flag !== a ? a.slice(eq + 1) : argv[++i]);
    switch (flag) {
      case '--rules': {
        const v = value();
        if (v === undefined) return '--rules needs a file';
        o.rules = v;
        break;
      }
      case '--series': {
        const v = value();
        if (v === undefined) return '--series needs a series';
        o.series.push(v);
        break;
      }
      case '--trace':
        o.trace = true;
        break;
      case '--keep-internal':
        o.keepInternal = true;
        break;
      default:
        return `unknown argument ${JSON.stringify(a)}`;
    }
  }
  if (o.rules === '') return '--rules is required';
  return o;
}

const show = (labels: Label[] | undefined): string => (labels === undefined ? 'DROPPED' : formatSeries(labels));

export function runRelabelCommand(argv: readonly string[], io: CliIo): CliResult {
  if (argv.includes('-h') || argv.includes('--help')) return { exitCode: 0, stdout: RELABEL_USAGE, stderr: '' };
  const opts = parseArgs(argv);
  if (typeof opts === 'string') return { exitCode: 2, stdout: '', stderr: `relabel: ${opts}\n${RELABEL_USAGE}` };

  let raw: unknown;
  try {
    raw = parse(io.readFile(opts.rules), { intAsBigInt: true });
  } catch (e) {
    return { exitCode: 1, stdout: '', stderr: `relabel: cannot read rules from ${opts.rules}: ${(e as Error).message}\n` };
  }
  let compiled;
  try {
    compiled = compileRelabelConfigs(raw, opts.rules);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return { exitCode: 1, stdout: '', stderr: e.problems.map((p) => `relabel: ${p}\n`).join('') };
  }

  let inputs = opts.series;
  if (inputs.length === 0) {
    const text = typeof io.stdin === 'function' ? io.stdin() : (io.stdin ?? '');
    inputs = text.split(/\r?\n/).filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
  }

  let out = '';
  let err = '';
  let exitCode = 0;
  inputs.forEach((input, n) => {
    let labels: Label[];
    try {
      labels = parseSeriesNotation(input);
    } catch (e) {
      if (!(e instanceof NotationError)) throw e;
      out += 'INVALID\n';
      err += `relabel: series ${n + 1}: ${e.message}: ${JSON.stringify(input)}\n`;
      exitCode = 1;
      return;
    }
    const { result, steps } = applyRelabelTrace(compiled, labels);
    const final = result === undefined || opts.keepInternal ? result : dropInternalLabels(result);
    if (opts.trace) {
      out += `# ${formatSeries(labels)}\n`;
      for (const s of steps) {
        out += `#   rule ${s.index} (${s.action}): ${s.changed ? show(s.labels) : 'no change'}\n`;
      }
      if (final !== result) out += `#   drop internal labels: ${show(final)}\n`;
    }
    out += show(final) + '\n';
  });
  return { exitCode, stdout: out, stderr: err };
}
