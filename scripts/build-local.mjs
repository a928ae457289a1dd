#!/usr/bin/env node
/**
 * Bundles the local runner for `npm start` and prints the path of its entry (package.json scripts.start runs it).
 *
 * Why a bundle: Node strips the types of every .ts file it loads with a WebAssembly compiler whose memory stays
 * with the process, and loads the runner's ~270 source files one by one. Run from source, an idle runner holds
 * about 122 MiB; run from this bundle, about 95 MiB, and the peak of the 5M-sample Influx bench falls by as much
 * (bench/RESULTS.md, "Issue 14, part 7"). The tests still run the sources (lib/local/main.ts), and so can anyone
 * (`node lib/local/main.ts ...`): the code is the same, only packaged.
 *
 * Plain JavaScript on purpose: a .ts script would load the type stripper this avoids. Dependencies stay
 * external (loaded from node_modules as when running the sources, so native and WebAssembly packages work
 * unchanged); our own code is bundled with a source map (`npm start` runs with --enable-source-maps, so stack
 * traces name the .ts lines).
 *
 * Output: node_modules/.cache/metrics-gateway/local/<hash of the output>/, written to a temporary directory
 * and renamed into place, so several `npm start`s of one checkout at once (the tests do this) never load a
 * half-written bundle; the same sources give the same directory. Directories of other builds older than a
 * day are removed unless a process still runs from one: run as `npm start` runs it, this script marks the
 * directory with the pid of its parent shell, which `exec`s node and so becomes the gateway's pid (a running
 * gateway still imports chunks lazily, e.g. a protocol's route on its first request).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cacheDir = path.join(root, 'node_modules', '.cache', 'metrics-gateway', 'local');
const DAY_MS = 24 * 3600 * 1000;

/** Builds (or finds) the bundle of the current sources; resolves with the path of its main.js. */
export async function buildLocal() {
  fs.mkdirSync(cacheDir, { recursive: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: { main: 'lib/local/main.ts', 'ingest-worker': 'lib/local/ingest-worker.ts' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    packages: 'external',
    splitting: true,
    sourcemap: 'linked',
    outdir: path.join(cacheDir, 'out'),
    write: false,
    logLevel: 'warning',
  });
  const hash = createHash('sha256');
  const files = result.outputFiles.map((f) => ({ rel: path.relative(path.join(cacheDir, 'out'), f.path), contents: f.contents }));
  files.sort((a, b) => (a.rel < b.rel ? -1 : 1));
  for (const f of files) hash.update(f.rel).update('\0').update(f.contents).update('\0');
  const dir = path.join(cacheDir, hash.digest('hex').slice(0, 16));
  const main = path.join(dir, 'main.js');
  if (!fs.existsSync(main)) {
    const tmp = fs.mkdtempSync(path.join(cacheDir, '.tmp-'));
    for (const f of files) fs.writeFileSync(path.join(tmp, f.rel), f.contents);
    try {
      fs.renameSync(tmp, dir);
    } catch (err) {
      // Another start renamed the same build into place first: theirs is identical.
      fs.rmSync(tmp, { recursive: true, force: true });
      if (!fs.existsSync(main)) throw err;
    }
  }
  removeOldBuilds(path.basename(dir));
  return main;
}

function removeOldBuilds(keep) {
  for (const name of fs.readdirSync(cacheDir)) {
    if (name === keep) continue;
    const p = path.join(cacheDir, name);
    try {
      if (Date.now() - fs.statSync(p).mtimeMs > DAY_MS && !inUse(p)) fs.rmSync(p, { recursive: true, force: true });
    } catch {
      // Removed by another start meanwhile.
    }
  }
}

const MARK = '.in-use-';

/** Whether a process that marked the build directory still runs (its marks of processes gone are removed). */
function inUse(dir) {
  let used = false;
  for (const name of fs.readdirSync(dir)) {
    if (!name.startsWith(MARK)) continue;
    const pid = Number(name.slice(MARK.length));
    if (alive(pid)) used = true;
    else fs.rmSync(path.join(dir, name), { force: true });
  }
  return used;
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const main = await buildLocal();
  // The parent is the shell of `npm start`, which execs node next: its pid is the gateway's.
  fs.writeFileSync(path.join(path.dirname(main), `${MARK}${process.ppid}`), '');
  process.stdout.write(`${main}\n`);
}
