import { createRequire } from 'node:module';
import type * as Re2js from 're2js';

/**
 * re2js, loaded when a regex first needs it rather than with the relabel code: most relabel regexes run as
 * string-operation plans (regex-fast.ts) and never touch RE2, and the engine is the largest thing a Lambda
 * cold start would otherwise compile (bench/bundles.ts).
 *
 * From source (tests, `npm start`, the CLI) the first use loads it synchronously. A bundled function has no
 * node_modules to load from: its config loader calls preloadRe2() (code splitting makes that a separate chunk)
 * when compiling its config stopped with Re2NotLoadedError, then compiles again (functions/wiring/aws.ts).
 */
export type Re2Module = typeof Re2js;

let engine: Re2Module | undefined;

export class Re2NotLoadedError extends Error {
  constructor(cause: unknown) {
    super(`the RE2 regex engine is not loaded (await preloadRe2() before compiling relabel regexes here): ${String(cause)}`);
    this.name = 'Re2NotLoadedError';
  }
}

/** The engine; throws Re2NotLoadedError where it cannot be loaded synchronously (a bundle before preloadRe2()). */
export function re2(): Re2Module {
  if (engine !== undefined) return engine;
  try {
    engine = createRequire(import.meta.url)('re2js') as Re2Module;
  } catch (err) {
    throw new Re2NotLoadedError(err);
  }
  return engine;
}

/** Loads the engine asynchronously (in a bundle: its own chunk). */
export async function preloadRe2(): Promise<void> {
  engine ??= await import('re2js');
}

/** Whether the engine has been loaded (tests and the cold-start bench check that plans kept it out). */
export function re2Loaded(): boolean {
  return engine !== undefined;
}
