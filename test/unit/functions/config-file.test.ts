import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { initInLambda, lazyHandler, loadConfigFile } from '../../../functions/wiring/aws.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'gw-config-file-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('loadConfigFile (the Lambda wiring)', () => {
  it('reads gateway.json as the deploy step writes it', async () => {
    const f = path.join(dir, 'gateway.json');
    writeFileSync(f, JSON.stringify({ auth: { mode: 'none' }, remote_write: [{ url: 'http://vm:8428/api/v1/write' }] }));
    assert.equal((await loadConfigFile(f)).remoteWrite[0]!.url, 'http://vm:8428/api/v1/write');
  });

  it('a gateway.json that still lists scrape_config_files reads them as YAML beside it', async () => {
    writeFileSync(path.join(dir, 'jobs.yml'), 'scrape_configs:\n  - job_name: from_file\n    static_configs: [{targets: ["x:1"]}]\n');
    const f = path.join(dir, 'scrape.json');
    writeFileSync(f, JSON.stringify({ auth: { mode: 'none' }, scrape_config_files: ['jobs.yml'] }));
    assert.deepEqual((await loadConfigFile(f)).scrape.map((j) => j.jobName), ['from_file']);
  });

  it('reads gateway.yaml too (npm run invoke)', async () => {
    const f = path.join(dir, 'gateway.yaml');
    writeFileSync(f, 'auth: {mode: none}\nscrape_config_files: [jobs.yml]\n');
    assert.deepEqual((await loadConfigFile(f)).scrape.map((j) => j.jobName), ['from_file']);
  });

  it('hands each warning of a YAML or hand-written JSON config to warn, once; a prepared config has none to give', async () => {
    const doc = { auth: { mode: 'none' }, remote_write: [{ url: 'http://vm:8428/api/v1/write', queue_config: { max_shards: 4 } }] };
    const want = ['remote_write[0].queue_config.max_shards: accepted, no effect'];
    for (const [name, text] of [['warn.yaml', JSON.stringify(doc)], ['warn.json', JSON.stringify(doc)]] as const) {
      const f = path.join(dir, name);
      writeFileSync(f, text);
      const warnings: string[] = [];
      await loadConfigFile(f, (w) => warnings.push(w));
      assert.equal(warnings.length, 1, name);
      assert.ok(warnings[0]!.startsWith(want[0]!), warnings[0]);
    }
    const { prepareConfig } = await import('../../../lib/config/prepared.ts');
    const { parseGatewayConfig } = await import('../../../lib/config/schema.ts');
    const f = path.join(dir, 'prepared.json');
    writeFileSync(f, prepareConfig(parseGatewayConfig(doc)));
    const warnings: string[] = [];
    await loadConfigFile(f, (w) => warnings.push(w));
    assert.deepEqual(warnings, []);
  });
});

describe('lazyHandler and initInLambda', () => {
  it('builds once, on init() or the first event', async () => {
    let builds = 0;
    const h = lazyHandler(async () => {
      builds++;
      return async (e: number) => e + 1;
    });
    assert.equal(builds, 0);
    await initInLambda(h, {});
    assert.equal(builds, 0, 'outside Lambda importing builds nothing');
    await initInLambda(h, { AWS_LAMBDA_FUNCTION_NAME: 'ingest' });
    assert.equal(builds, 1);
    assert.equal(await h(1, undefined), 2);
    assert.equal(builds, 1);
  });

  it('a failed build fails init (Lambda then starts a fresh environment)', async () => {
    const h = lazyHandler<number, unknown, number>(async () => {
      throw new Error('QUEUE_URL is required');
    });
    await assert.rejects(initInLambda(h, { AWS_LAMBDA_FUNCTION_NAME: 'ingest' }), /QUEUE_URL/);
  });
});
