import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

/**
 * The repository stands on its own: every relative link in the README and the docs resolves to a file or
 * folder inside the repository, and no link leaves it (no `../` past the root, no absolute URL to another
 * site). Fragments are checked against the target's headings.
 */
const ROOT = path.resolve(import.meta.dirname, '../../..');
const SKIP = new Set(['node_modules', '.git', 'cdk.out', '.data']);

function markdownFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name) || name.startsWith('.')) continue;
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...markdownFiles(p));
    else if (name.endsWith('.md')) out.push(p);
  }
  return out;
}

/** Inline links `[text](target)`, outside fenced code blocks. */
export function linksOf(markdown: string): string[] {
  const out: string[] = [];
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    if (fenced) continue;
    for (const m of line.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) out.push(m[1]!);
  }
  return out;
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function anchorsOf(markdown: string): Set<string> {
  const out = new Set<string>();
  for (const m of markdown.matchAll(/^#{1,6}\s+(.+)$/gm)) {
    out.add(m[1]!.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-'));
  }
  return out;
}

describe('documentation links', () => {
  const files = markdownFiles(ROOT);

  it('finds the README and the docs', () => {
    assert.ok(files.includes(path.join(ROOT, 'README.md')));
    assert.ok(files.includes(path.join(ROOT, 'docs', 'architecture.md')));
  });

  it('parses links outside code fences only', () => {
    assert.deepEqual(linksOf('[a](x.md) and [b](y.md#z)\n```\n[c](no.md)\n```\n[d](http://e)'), ['x.md', 'y.md#z', 'http://e']);
  });

  for (const file of files) {
    const rel = path.relative(ROOT, file);
    it(`${rel}: every link resolves inside the repository`, () => {
      const text = readFileSync(file, 'utf8');
      const problems: string[] = [];
      for (const link of linksOf(text)) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(link)) {
          problems.push(`${link}: links outside the repository`);
          continue;
        }
        const [target, fragment] = link.split('#') as [string, string | undefined];
        const resolved = target === '' ? file : path.resolve(path.dirname(file), target);
        if (resolved !== ROOT && !resolved.startsWith(ROOT + path.sep)) {
          problems.push(`${link}: resolves outside the repository`);
          continue;
        }
        if (!existsSync(resolved)) {
          problems.push(`${link}: ${path.relative(ROOT, resolved)} does not exist`);
          continue;
        }
        if (fragment && resolved.endsWith('.md') && !anchorsOf(readFileSync(resolved, 'utf8')).has(fragment)) {
          problems.push(`${link}: no heading #${fragment} in ${path.relative(ROOT, resolved)}`);
        }
      }
      assert.deepEqual(problems, []);
    });
  }
});
