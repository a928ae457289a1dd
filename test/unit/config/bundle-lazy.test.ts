import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { REPO_ROOT, bundleFunction } from '../../../infra/constructs/bundle.ts';
import { loadedAtInit } from '../../helpers/bundle-start.ts';

/** A string valibot's strict objects carry in any build (an issue type, kept through minification). */
const VALIBOT_MARK = '"strict_object"';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('the config schema library stays out of a cold start with a prepared config', () => {
  for (const fn of ['ingest', 'deliver']) {
    it(`${fn}: valibot is only in lazily imported chunks`, () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'bundle-lazy-'));
      dirs.push(dir);
      bundleFunction(path.join(REPO_ROOT, 'functions', `${fn}.ts`), dir, 'auth: {mode: none}\nremote_write: [{url: "http://127.0.0.1:9/w"}]\n', {}, { sourceMaps: false });
      const all = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.mjs')).map((f) => path.join(dir, f));
      const withSchema = all.filter((f) => readFileSync(f, 'utf8').includes(VALIBOT_MARK));
      // The fallback for a hand-written gateway.json validates with the schema: it is in the bundle, lazily.
      assert.ok(withSchema.length > 0, 'no chunk holds valibot: the mark no longer finds it');
      const init = loadedAtInit(dir);
      assert.ok(init.length > 1, 'the static import walk found no chunk');
      assert.deepEqual(init.filter((f) => withSchema.includes(f)).map((f) => path.relative(dir, f)), []);
    });
  }
});
