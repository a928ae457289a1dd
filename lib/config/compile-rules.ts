import { ConfigError } from '../errors.ts';
import { compileRelabelConfigs, type CompiledRelabel } from '../relabel/index.ts';
import type { Checker } from './check.ts';

/** Compiles relabel rules, recording their problems (with paths) in c instead of stopping at the first. */
export function compileRules(c: Checker, raw: unknown, path: string): CompiledRelabel {
  try {
    return compileRelabelConfigs(raw, path);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    c.problems.push(...err.problems);
    return { rules: [] };
  }
}
