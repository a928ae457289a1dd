import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BUNDLE_FILE } from '../../infra/constructs/bundle.ts';

/** Static `import ... from "x"` / `import "x"` (not the dynamic `import("x")`) in esbuild's ESM output. */
const STATIC_IMPORT = /(?:^|[;\n}])\s*import\s*(?:[\w$*{}\s,]+?\s*from\s*)?["']([^"']+)["']/g;

/** Files a built bundle in `dir` loads at import, read from the files themselves: the entry and every chunk reachable through static imports. */
export function loadedAtInit(dir: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(STATIC_IMPORT)) if (m[1]!.startsWith('.')) visit(path.resolve(path.dirname(file), m[1]!));
  };
  visit(path.join(dir, BUNDLE_FILE));
  return [...seen];
}
