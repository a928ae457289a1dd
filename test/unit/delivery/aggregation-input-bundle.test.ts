import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { REPO_ROOT, bundleFunction } from '../../../infra/constructs/bundle.ts';
import { loadedAtInit } from '../../helpers/bundle-start.ts';

/** A message only the aggregation rule parser (lib/aggregation/config.ts) carries, kept through minification. */
const PARSER_MARK = 'unknown output';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("deliver's cold start with a per-destination stream_aggregation section", () => {
  it('the rule parser (for the held-back input filter) is in a lazily imported chunk only', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bundle-agg-input-'));
    dirs.push(dir);
    bundleFunction(path.join(REPO_ROOT, 'functions', 'deliver.ts'), dir, 'auth: {mode: none}\nremote_write: [{url: "http://127.0.0.1:9/w", stream_aggregation: [{interval: 1m, outputs: [total]}]}]\n', {}, { sourceMaps: false });
    const all = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.mjs')).map((f) => path.join(dir, f));
    const withParser = all.filter((f) => readFileSync(f, 'utf8').includes(PARSER_MARK));
    assert.ok(withParser.length > 0, 'no chunk holds the rule parser: the mark no longer finds it (or the filter is not bundled)');
    assert.deepEqual(loadedAtInit(dir).filter((f) => withParser.includes(f)).map((f) => path.relative(dir, f)), []);
  });
});
