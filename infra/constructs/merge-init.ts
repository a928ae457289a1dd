/**
 * Code splitting with the cold start's code in one file.
 *
 * esbuild puts each module in a chunk by the set of entry points that reach it, and every lazily imported
 * module (a protocol's route, an SDK credential provider, the RE2 engine, ...) is an entry point. The code a
 * cold start needs is reached by the function's entry and by a different subset of the lazy entries module by
 * module, so esbuild cut it into ~20 chunks for the ingest function, each a file Node resolves (realpath),
 * reads, compiles as its own module and links: measured, that was ~20% of the ingest import's CPU
 * (bench/RESULTS.md, "Issue 14, part 6"). esbuild has no option to merge chunks, so the build runs twice:
 *   1. the sources, as before (without the banner);
 *   2. the output of 1 again, after every lazily imported file of 1 was given a bare `import` of every file
 *      the entry loads at start. Every one of those files is then reached by every entry point alike, and
 *      esbuild puts them in one chunk. Nothing else changes: what was lazy is still reached only through a
 *      dynamic import, the modules are the same (one instance each: a lazy chunk imports the one shared chunk
 *      the entry already loaded), and the source maps of 1 are read by 2 and point at the sources.
 * The imports are added on the line before the `//# sourceMappingURL` comment, so no mapped line or column
 * moves; ES imports are hoisted, so where they stand does not change what runs.
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildSync, type BuildOptions, type Metafile } from 'esbuild';

/** Output files (metafile keys) the entry loads at start: itself and every chunk it imports statically, transitively. */
export function loadedAtStart(metafile: Metafile, entryFile: string): string[] {
  const outputs = metafile.outputs;
  const start = Object.keys(outputs).find((k) => path.basename(k) === entryFile);
  if (start === undefined) throw new Error(`bundle: no output named ${entryFile}`);
  // The entry first.
  const seen = new Set<string>();
  const stack = [start];
  while (stack.length) {
    const k = stack.pop()!;
    if (seen.has(k)) continue;
    seen.add(k);
    for (const i of outputs[k]!.imports) if (i.kind === 'import-statement' && !i.external) stack.push(i.path);
  }
  return [...seen];
}

/** Output files of a build that some file imports dynamically (the entries of lazy chunks). */
function lazilyImported(metafile: Metafile): string[] {
  const out = new Set<string>();
  for (const o of Object.values(metafile.outputs)) for (const i of o.imports) if (i.kind === 'dynamic-import' && !i.external) out.add(i.path);
  return [...out];
}

/** Adds bare imports of `files` to `file`, before its source map comment (or at its end). */
function addImports(file: string, files: string[]): void {
  const text = readFileSync(file, 'utf8');
  const imports = files.map((f) => `import ${JSON.stringify(`./${path.relative(path.dirname(file), f).split(path.sep).join('/')}`)};`).join('');
  const at = text.lastIndexOf('\n//# sourceMappingURL=');
  writeFileSync(file, at < 0 ? `${text}\n${imports}\n` : `${text.slice(0, at)}\n${imports}${text.slice(at)}`);
}

/**
 * Code esbuild generated in pass 1 (its runtime helpers, CommonJS default-export stubs) has no source; the
 * final maps name the scratch file it was read from, which is gone by then. Name it for what it is.
 */
function renameScratchSources(outdir: string, scratch: string): void {
  for (const f of readdirSync(outdir, { recursive: true, encoding: 'utf8' })) {
    if (!f.endsWith('.map')) continue;
    const file = path.join(outdir, f);
    const map = JSON.parse(readFileSync(file, 'utf8')) as { sources: string[] };
    let changed = false;
    map.sources = map.sources.map((s) => {
      if (!path.resolve(path.dirname(file), s).startsWith(scratch + path.sep)) return s;
      changed = true;
      return `esbuild-generated/${path.basename(s)}`;
    });
    if (changed) writeFileSync(file, JSON.stringify(map));
  }
}

/**
 * Builds `options` (which must have code splitting on and one entry point named `entryName`) into
 * options.outdir with the files the entry loads at start merged into one chunk. Returns the final metafile.
 */
export function buildWithMergedStart(options: BuildOptions & { outdir: string }, entryName: string): Metafile {
  // Pass 1 is written inside the output directory and removed after: the final source maps name the
  // code esbuild generated in pass 1 by its path there, and a chunk's name hashes its source map, so the
  // path must be the same in every build (the CDK asset hash is the bundle's: a changing name would deploy
  // again on every synth).
  const scratch = path.join(path.resolve(options.outdir), '.pass1');
  rmSync(scratch, { recursive: true, force: true });
  try {
    // The banner (the `require` for CommonJS code) goes on the final files only.
    const { banner, ...first } = options;
    // The metafile's paths are relative to the working directory esbuild ran in.
    const abs = (p: string) => path.resolve(options.absWorkingDir ?? process.cwd(), p);
    const pass1 = buildSync({ ...first, outdir: scratch, metafile: true, write: true });
    const entryFile = `${entryName}.mjs`;
    const [entry, ...shared] = loadedAtStart(pass1.metafile, entryFile).map(abs);
    for (const lazy of lazilyImported(pass1.metafile).map(abs)) addImports(lazy, shared.filter((f) => f !== lazy));
    // Run in the scratch directory: chunk names also hash the inputs' paths relative to the working directory.
    const pass2 = buildSync({ ...first, banner, entryPoints: { [entryName]: entry! }, outdir: path.resolve(options.outdir), absWorkingDir: scratch, metafile: true });
    if (options.sourcemap) renameScratchSources(options.outdir, scratch);
    return pass2.metafile;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
