import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { runCheckConfigCommand } from '../../../lib/cli/check-config.ts';

const files: Record<string, string> = {
  'good.yaml': 'auth: {mode: none}\nremote_write: [{url: "http://a/w", name: a, write_relabel_configs: [{action: drop, source_labels: [job], regex: x}]}]\nrelabel_configs: [{action: labeldrop, regex: tmp_.*}]',
  'bad.yaml': 'auth: {mode: none}\nrelabel_configs: [{action: keep}]\nremote_write: [{url: "nope"}]',
};
const readFile = (p: string): string => {
  if (!(p in files)) throw new Error('ENOENT');
  return files[p]!;
};

describe('gateway check-config', () => {
  it('exit 0 with a one-line summary', () => {
    const r = runCheckConfigCommand(['good.yaml'], { readFile });
    assert.equal(r.exitCode, 0);
    assert.equal(r.stdout, 'good.yaml: ok: 1 remote_write destination(s) (a), 1 relabel rule(s), 1 write relabel rule(s)\n');
  });
  it('exit 1 listing every error with its path', () => {
    const r = runCheckConfigCommand(['bad.yaml'], { readFile });
    assert.equal(r.exitCode, 1);
    assert.match(r.stderr, /^bad\.yaml: 2 problem\(s\):\n  relabel_configs\[0\]\.source_labels: required for action=keep.*\n  remote_write\[0\]\.url: must be an http/);
  });
  it('exit 1 for an unreadable file', () => {
    assert.equal(runCheckConfigCommand(['missing.yaml'], { readFile }).exitCode, 1);
  });
  it('runs as `npx gateway check-config` on the committed example', () => {
    const r = spawnSync(process.execPath, ['bin/gateway.ts', 'check-config', 'gateway.yaml'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^gateway\.yaml: ok: 1 remote_write destination/);
  });
});
