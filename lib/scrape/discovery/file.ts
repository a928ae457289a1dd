import path from 'node:path';
import type { BlobStore } from '../../ports/index.ts';
import { BLOB_PREFIX, type FileSdConfig } from './config.ts';
import { compileGlob } from './glob.ts';
import { parseTargetGroups, type TargetGroup } from './target-group.ts';

export interface FileSdDeps {
  blobs: BlobStore;
  /** Rejects with an Error whose `code` is ENOENT (or ENOTDIR) when the file does not exist. */
  readFile: (path: string) => Promise<string>;
  /** Names in a directory; needed only for local patterns with wildcards. */
  readDir?: (dir: string) => Promise<string[]>;
  /** Relative local paths are taken from here (Prometheus: the config file's directory). */
  baseDir?: string;
}

/** One file SD refresh: every group of every file, and one message per file that could not be used. */
export interface FileSdResult {
  /** Groups per file (`__meta_filepath`), in the order the patterns list them. */
  files: Map<string, TargetGroup[]>;
  /** Files that exist but could not be read or parsed; the caller keeps their last good groups. */
  failed: Map<string, string>;
  /** Patterns that could not be expanded (the listing failed). */
  errors: string[];
}

const BLOB_LIST_PAGE = 1000;
/** At most this many files per pattern, so a too-wide pattern over a big prefix stays bounded. */
export const MAX_FILES_PER_PATTERN = 1000;

/**
 * Reads file_sd_configs[i]: local files (bundled with the function, or on disk for the local runner) and
 * `blob:sd/...` keys of the gateway's blob store (its S3 bucket in AWS). As Prometheus: a pattern matching
 * nothing, or a file that does not exist, gives no groups and no error; `.json` files are JSON, `.yml`/`.yaml`
 * YAML; every group gets `__meta_filepath` (the path as expanded; relative local paths are joined to
 * baseDir first, as Prometheus joins them to the config file's directory).
 */
export async function readFileSd(cfg: FileSdConfig, deps: FileSdDeps): Promise<FileSdResult> {
  const out: FileSdResult = { files: new Map(), failed: new Map(), errors: [] };
  for (const pattern of cfg.files) {
    let names: { name: string; read: () => Promise<string | undefined> }[];
    try {
      names = pattern.startsWith(BLOB_PREFIX) ? await expandBlob(pattern.slice(BLOB_PREFIX.length), deps.blobs) : await expandLocal(resolveLocal(pattern, deps.baseDir), deps);
    } catch (err) {
      out.errors.push(`file_sd_configs[${cfg.index}]: ${JSON.stringify(pattern)}: ${(err as Error).message}`);
      continue;
    }
    for (const { name, read } of names) {
      if (out.files.has(name) || out.failed.has(name)) continue;
      try {
        const text = await read();
        if (text === undefined) continue;
        const format = path.extname(name).toLowerCase() === '.json' ? 'json' : 'yaml';
        const groups = (await parseTargetGroups(text, format, name)).map((g, j) => ({
          source: `file_sd_configs[${cfg.index}]:${name}:${j}`,
          targets: g.targets,
          // Compatibility: Prometheus sets __meta_filepath after reading, over any label of that name.
          labels: { ...g.labels, __meta_filepath: name },
        }));
        out.files.set(name, groups);
      } catch (err) {
        out.failed.set(name, (err as Error).message);
      }
    }
  }
  return out;
}

function resolveLocal(pattern: string, baseDir: string | undefined): string {
  return baseDir && !path.isAbsolute(pattern) ? path.join(baseDir, pattern) : pattern;
}

function isMissing(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

async function expandLocal(pattern: string, deps: FileSdDeps): Promise<{ name: string; read: () => Promise<string | undefined> }[]> {
  const g = compileGlob(pattern);
  const read = (name: string) => async (): Promise<string | undefined> => {
    try {
      return await deps.readFile(name);
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw new Error(`${name}: cannot read: ${(err as { code?: string }).code ?? (err as Error).message}`);
    }
  };
  if (!g.match) return [{ name: pattern, read: read(pattern) }];
  if (!deps.readDir) throw new Error('wildcards in local file patterns need a directory lister, which this runtime does not provide');
  let entries: string[];
  try {
    entries = await deps.readDir(g.dir === '' ? '.' : g.dir);
  } catch (err) {
    // Go's filepath.Glob ignores I/O errors: a missing directory matches nothing.
    if (isMissing(err)) return [];
    throw new Error(`cannot list ${g.dir}: ${(err as { code?: string }).code ?? (err as Error).message}`);
  }
  const re = g.match;
  return entries
    .filter((n) => re.test(n))
    .sort()
    .slice(0, MAX_FILES_PER_PATTERN)
    .map((n) => ({ name: g.dir + n, read: read(g.dir + n) }));
}

async function expandBlob(pattern: string, blobs: BlobStore): Promise<{ name: string; read: () => Promise<string | undefined> }[]> {
  const g = compileGlob(pattern);
  const read = (key: string) => async (): Promise<string | undefined> => {
    const obj = await blobs.get(key);
    return obj === undefined ? undefined : new TextDecoder().decode(obj.body);
  };
  if (!g.match) return [{ name: BLOB_PREFIX + pattern, read: read(pattern) }];
  const keys: string[] = [];
  const prefix = g.dir + g.literalPrefix;
  let startAfter: string | undefined;
  for (;;) {
    const page = await blobs.list(prefix, { limit: BLOB_LIST_PAGE, ...(startAfter !== undefined ? { startAfter } : {}) });
    for (const b of page) {
      const rest = b.key.slice(g.dir.length);
      if (!rest.includes('/') && g.match.test(rest)) keys.push(b.key);
    }
    if (page.length < BLOB_LIST_PAGE || keys.length >= MAX_FILES_PER_PATTERN) break;
    startAfter = page[page.length - 1]!.key;
  }
  return keys.slice(0, MAX_FILES_PER_PATTERN).map((k) => ({ name: BLOB_PREFIX + k, read: read(k) }));
}
