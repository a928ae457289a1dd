import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DiscoveryCache, discoverJob, discoverTargetGroups } from '../../../../lib/scrape/discovery/index.ts';
import { fileDeps } from './helpers.ts';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('static_configs', () => {
  it('gives one group per entry with __address__ per target and the labels in common', async () => {
    const groups = await discoverTargetGroups('node', { static_configs: [{ targets: ['a:9100', 'b:9100'], labels: { env: 'prod' } }, { targets: ['c:9100'] }] }, fileDeps());
    assert.deepEqual(groups, [
      { source: 'static_configs[0]', targets: [{ __address__: 'a:9100' }, { __address__: 'b:9100' }], labels: { env: 'prod' } },
      { source: 'static_configs[1]', targets: [{ __address__: 'c:9100' }], labels: {} },
    ]);
  });

  it('refuses an invalid job with every problem', async () => {
    await assert.rejects(discoverTargetGroups('x', { static_configs: [{ targets: ['http://a/'] }], ec2_sd_configs: [{ port: 0 }] }, fileDeps()), (err: Error & { problems?: string[] }) => {
      assert.equal(err.name, 'ConfigError');
      assert.equal(err.problems!.length, 2);
      assert.match(err.problems![0]!, /^job "x"\.static_configs\[0\]\.targets\[0\]: "http:\/\/a\/" is not a valid hostname/);
      return true;
    });
  });
});

describe('file_sd_configs on local files', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'file-sd-'));
    mkdirSync(path.join(dir, 'sd'));
    writeFileSync(path.join(dir, 'sd', 'web.json'), JSON.stringify([{ targets: ['w1:80', 'w2:80'], labels: { role: 'web' } }, { targets: ['w3:80'] }]));
    writeFileSync(path.join(dir, 'sd', 'db.yml'), '- targets: [d1:5432]\n  labels: {role: db, __meta_filepath: overridden}\n');
    writeFileSync(path.join(dir, 'sd', '.hidden.json'), '[{"targets":["h:1"]}]');
    writeFileSync(path.join(dir, 'sd', 'notes.txt'), 'not a target file');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads JSON and YAML files by path, with __meta_filepath on every group', async () => {
    const web = path.join(dir, 'sd', 'web.json');
    const db = path.join(dir, 'sd', 'db.yml');
    const groups = await discoverTargetGroups('j', { file_sd_configs: [{ files: [web, db] }] }, fileDeps());
    assert.deepEqual(groups, [
      { source: `file_sd_configs[0]:${web}:0`, targets: [{ __address__: 'w1:80' }, { __address__: 'w2:80' }], labels: { role: 'web', __meta_filepath: web } },
      { source: `file_sd_configs[0]:${web}:1`, targets: [{ __address__: 'w3:80' }], labels: { __meta_filepath: web } },
      // Compatibility: __meta_filepath is set after reading, over the file's own label of that name.
      { source: `file_sd_configs[0]:${db}:0`, targets: [{ __address__: 'd1:5432' }], labels: { role: 'db', __meta_filepath: db } },
    ]);
  });

  it('expands * in the last path element, in name order, dot files included, other extensions not', async () => {
    const groups = await discoverTargetGroups('j', { file_sd_configs: [{ files: [path.join(dir, 'sd', '*.json')] }] }, fileDeps());
    assert.deepEqual(
      groups.map((g) => g.labels.__meta_filepath),
      [path.join(dir, 'sd', '.hidden.json'), path.join(dir, 'sd', 'web.json'), path.join(dir, 'sd', 'web.json')],
    );
  });

  it('joins relative paths to baseDir (Prometheus: the config file directory)', async () => {
    const groups = await discoverTargetGroups('j', { file_sd_configs: [{ files: ['sd/d*.yml'] }] }, fileDeps({ baseDir: dir }));
    assert.deepEqual(groups.map((g) => g.labels.__meta_filepath), [path.join(dir, 'sd', 'db.yml')]);
  });

  it('a file matched by two patterns is read once', async () => {
    const groups = await discoverTargetGroups('j', { file_sd_configs: [{ files: ['sd/web.json', 'sd/w*.json'] }] }, fileDeps({ baseDir: dir }));
    assert.equal(groups.length, 2);
  });

  it('a missing file or directory gives no groups and no failure, as Prometheus', async () => {
    const r = await discoverJob('j', { file_sd_configs: [{ files: ['sd/gone.json', 'nowhere/*.json'] }] }, fileDeps({ baseDir: dir }));
    assert.deepEqual(r, { groups: [], failures: [] });
  });

  it('a wildcard without a directory lister is a failure naming the pattern', async () => {
    const deps = fileDeps({ baseDir: dir });
    delete deps.readDir;
    const r = await discoverJob('j', { file_sd_configs: [{ files: ['sd/*.json'] }] }, deps);
    assert.deepEqual(r.groups, []);
    assert.match(r.failures[0]!.message, /^file_sd_configs\[0\]: ".*sd\/\*\.json": wildcards in local file patterns need a directory lister/);
  });

  it('a broken file fails alone and keeps its last good groups; local files are re-read on every call', async () => {
    const d = mkdtempSync(path.join(os.tmpdir(), 'file-sd-'));
    try {
      const a = path.join(d, 'a.json');
      const b = path.join(d, 'b.yaml');
      writeFileSync(a, '[{"targets":["a:1"]}]');
      writeFileSync(b, '- targets: [b:1]\n');
      const deps = fileDeps({ cache: new DiscoveryCache() });
      const job = { file_sd_configs: [{ files: [path.join(d, '*.json'), path.join(d, '*.yaml')], refresh_interval: '1h' }] };
      assert.deepEqual((await discoverJob('j', job, deps)).groups.map((g) => g.targets), [[{ __address__: 'a:1' }], [{ __address__: 'b:1' }]]);

      writeFileSync(a, '[{"targets":["a:1"],');
      writeFileSync(b, '- targets: [b:2]\n');
      const r = await discoverJob('j', job, deps);
      assert.deepEqual(r.groups.map((g) => g.targets), [[{ __address__: 'b:2' }], [{ __address__: 'a:1' }]]);
      assert.equal(r.failures.length, 1);
      assert.match(r.failures[0]!.message, /^file_sd_configs\[0\]: .*a\.json: invalid JSON: /);
      assert.equal(r.failures[0]!.usedLastGood, true);

      // Without a cache (a cold start) the broken file contributes nothing.
      const cold = await discoverJob('j', job, fileDeps());
      assert.deepEqual(cold.groups.map((g) => g.targets), [[{ __address__: 'b:2' }]]);
      assert.equal(cold.failures[0]!.usedLastGood, false);

      // A deleted file's groups go away.
      rmSync(a);
      const gone = await discoverJob('j', job, deps);
      assert.deepEqual(gone, { groups: [{ source: `file_sd_configs[0]:${b}:0`, targets: [{ __address__: 'b:2' }], labels: { __meta_filepath: b } }], failures: [] });
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});

describe('file_sd_configs in the blob store (blob:sd/...)', () => {
  it('reads a key, with blob:<key> as __meta_filepath', async () => {
    const deps = fileDeps();
    await deps.blobs.put('sd/web.json', enc('[{"targets":["w:80"],"labels":{"env":"prod"}}]'));
    const groups = await discoverTargetGroups('j', { file_sd_configs: [{ files: ['blob:sd/web.json', 'blob:sd/none.json'] }] }, deps);
    assert.deepEqual(groups, [{ source: 'file_sd_configs[0]:blob:sd/web.json:0', targets: [{ __address__: 'w:80' }], labels: { env: 'prod', __meta_filepath: 'blob:sd/web.json' } }]);
  });

  it('expands wildcards over keys: * stays within one path element', async () => {
    const deps = fileDeps();
    for (const k of ['sd/nodes-a.yaml', 'sd/nodes-b.yaml', 'sd/nodes-x/deep.yaml', 'sd/other.yaml', 'sd/nodes-c.json']) await deps.blobs.put(k, enc(`- targets: ["${k}:1"]\n`));
    const groups = await discoverTargetGroups('j', { file_sd_configs: [{ files: ['blob:sd/nodes-*.yaml'] }] }, deps);
    assert.deepEqual(groups.map((g) => g.labels.__meta_filepath), ['blob:sd/nodes-a.yaml', 'blob:sd/nodes-b.yaml']);
  });

  it('lists past one page of keys', async () => {
    const deps = fileDeps();
    for (let i = 0; i < 1200; i++) await deps.blobs.put(`sd/n/${String(i).padStart(4, '0')}.txt`, enc(''));
    await deps.blobs.put('sd/n/zz.json', enc('[{"targets":["z:1"]}]'));
    const groups = await discoverTargetGroups('j', { file_sd_configs: [{ files: ['blob:sd/n/*.json'] }] }, deps);
    assert.deepEqual(groups.map((g) => g.targets), [[{ __address__: 'z:1' }]]);
  });

  it('re-reads only after refresh_interval (each read is an S3 request), and keeps the last good groups when the store fails', async () => {
    const cache = new DiscoveryCache();
    const deps = fileDeps({ cache });
    const job = { file_sd_configs: [{ files: ['blob:sd/*.json'], refresh_interval: '2m' }] };
    await deps.blobs.put('sd/a.json', enc('[{"targets":["a:1"]}]'));
    assert.deepEqual((await discoverTargetGroups('j', job, deps)).map((g) => g.targets), [[{ __address__: 'a:1' }]]);
    await deps.blobs.put('sd/a.json', enc('[{"targets":["a:2"]}]'));
    deps.clock.t += 119_999;
    assert.deepEqual((await discoverTargetGroups('j', job, deps)).map((g) => g.targets), [[{ __address__: 'a:1' }]]);
    deps.clock.t += 1;
    assert.deepEqual((await discoverTargetGroups('j', job, deps)).map((g) => g.targets), [[{ __address__: 'a:2' }]]);

    const broken = { ...deps, blobs: Object.assign(Object.create(deps.blobs), { list: async () => Promise.reject(new Error('S3 unavailable')) }) };
    deps.clock.t += 120_000;
    const r = await discoverJob('j', job, broken);
    assert.deepEqual(r.groups.map((g) => g.targets), [[{ __address__: 'a:2' }]]);
    assert.equal(r.failures.length, 1);
    assert.match(r.failures[0]!.message, /"blob:sd\/\*\.json": S3 unavailable/);
  });
});

describe('results belong to the caller', () => {
  it('changing returned groups does not change what the cache serves next', async () => {
    const deps = fileDeps({ cache: new (await import('../../../../lib/scrape/discovery/index.ts')).DiscoveryCache() });
    await deps.blobs.put('sd/a.json', enc('[{"targets":["a:1"],"labels":{"x":"1"}}]'));
    const job = { file_sd_configs: [{ files: ['blob:sd/a.json'] }] };
    const first = await discoverTargetGroups('j', job, deps);
    first[0]!.labels.x = 'changed';
    first[0]!.targets[0]!.__address__ = 'changed';
    const second = await discoverTargetGroups('j', job, deps);
    assert.deepEqual(second[0]!.labels, { x: '1', __meta_filepath: 'blob:sd/a.json' });
    assert.deepEqual(second[0]!.targets, [{ __address__: 'a:1' }]);
  });
});

describe('discoverTargetGroups on a failed source', () => {
  const down = async (): Promise<never> => Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));

  it('throws DiscoveryError when nothing stands in for the failed source (a cold start), naming every failure', async () => {
    const { DiscoveryError } = await import('../../../../lib/scrape/discovery/index.ts');
    const job = { static_configs: [{ targets: ['s:1'] }], http_sd_configs: [{ url: 'http://sd/a' }, { url: 'http://sd/b' }] };
    await assert.rejects(discoverTargetGroups('api', job, fileDeps({ http: { request: down } })), (err: Error) => {
      assert.ok(err instanceof DiscoveryError);
      assert.equal(err.message, 'discovery for job "api" is incomplete: http_sd_configs[0]: connect ECONNREFUSED; http_sd_configs[1]: connect ECONNREFUSED');
      assert.equal(err.failures.length, 2);
      return true;
    });
    // discoverJob gives the partial result instead.
    const r = await discoverJob('api', job, fileDeps({ http: { request: down } }));
    assert.deepEqual(r.groups.map((g) => g.source), ['static_configs[0]']);
  });

  it('returns the last good groups when the cache has them', async () => {
    const cache = new DiscoveryCache();
    let up = true;
    const request = async () => (up ? { status: 200, headers: { 'content-type': 'application/json' }, body: enc('[{"targets":["h:1"]}]') } : down());
    const deps = fileDeps({ http: { request }, cache });
    const job = { http_sd_configs: [{ url: 'http://sd/a', refresh_interval: '1s' }] };
    await discoverTargetGroups('api', job, deps);
    up = false;
    deps.clock.t += 1000;
    assert.deepEqual((await discoverTargetGroups('api', job, deps)).map((g) => g.targets), [[{ __address__: 'h:1' }]]);
  });
});
