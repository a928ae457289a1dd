import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Match } from 'aws-cdk-lib/assertions';
import { scrapeWindowOf } from '../../../lib/compose/scrape.ts';
import { CounterRegistry } from '../../../lib/adapters/system.ts';
import { DEFAULT_LIMITS, parseGatewayConfig } from '../../../lib/config/schema.ts';
import { inlineScrapeConfigFiles } from '../../../lib/config/scrape-files.ts';
import { createIngest } from '../../../lib/ingest/pipeline.ts';
import { createRouter } from '../../../lib/ingest/routes.ts';
import { saveShardStatus, loadAllStatus, type ShardStatus } from '../../../lib/scrape/state.ts';
import { targetsRoutes } from '../../../lib/scrape/status.ts';
import { FakeClock, MemoryBlobStore, MemoryLogger, MemoryQueue } from '../../helpers/fakes.ts';
import { ALL_ENTRIES, buildStack } from '../../helpers/infra.ts';
import { parse } from 'yaml';

describe('scrape wiring', () => {
  it('reads the scheduled minute and the shard from the event', () => {
    const now = Date.parse('2026-11-21T12:00:01.300Z');
    assert.deepEqual(scrapeWindowOf({ time: '2026-11-21T12:00:00Z' }, now, 55_000), { from: Date.parse('2026-11-21T12:00:00Z'), to: Date.parse('2026-11-21T12:01:00Z'), shard: 0, shards: 1, deadline: now + 52_000 });
    assert.equal(scrapeWindowOf({ shard: 2, shards: 3 }, now, 55_000).shard, 2);
    assert.equal(scrapeWindowOf({ detail: { shard: 1, shards: 2 } }, now, 55_000).shards, 2);
    assert.throws(() => scrapeWindowOf({ shard: 3, shards: 3 }, now, 55_000), /shard 3 of 3 is not a valid shard index/);
  });

  it('inlines scrape_config_files for the bundle', () => {
    const files: Record<string, string> = { 'more.yml': 'scrape_configs:\n  - job_name: b\n' };
    const out = inlineScrapeConfigFiles('# keep me\nscrape_configs:\n  - job_name: a\nscrape_config_files: [more.yml]\n', (f) => files[f]!);
    assert.deepEqual(parse(out), { scrape_configs: [{ job_name: 'a' }, { job_name: 'b' }] });
    assert.match(out, /# keep me/);
    assert.deepEqual(parseGatewayConfig({ auth: { mode: 'none' }, ...(parse(out) as object) }).scrape.map((j) => j.jobName), ['a', 'b']);
  });

  it('deploys one schedule per shard, each naming its shard, and reserves that many invocations', () => {
    const { template } = buildStack({ entries: ALL_ENTRIES, options: { scrapeShards: 3 } });
    for (let shard = 0; shard < 3; shard++) {
      template.hasResourceProperties('AWS::Events::Rule', { Targets: Match.arrayWith([Match.objectLike({ InputTransformer: Match.objectLike({ InputPathsMap: { time: "$.time" }, InputTemplate: Match.stringLikeRegexp(`"shard":${shard},"shards":3`) }) })]) });
    }
    template.hasResourceProperties('AWS::Lambda::Function', { Description: 'metrics gateway: scrape', ReservedConcurrentExecutions: 3 });
  });

  it('serves /api/v1/targets and /targets through the ingest pipeline', async () => {
    const blobs = new MemoryBlobStore();
    const status: ShardStatus = { shard: 0, shards: 1, updatedAt: 1, dropped: [], active: [{ key: 'k', job: 'node', url: 'http://h:9100/metrics', discoveredLabels: { __address__: 'h:9100' }, labels: { instance: 'h:9100', job: 'node' }, health: 'up', lastError: '', lastScrape: 1_700_000_000_000, lastScrapeDurationSeconds: 0.012, intervalMs: 15_000, timeoutMs: 10_000 }] };
    await saveShardStatus(blobs, status);
    // A status object left by an older shard count is ignored.
    await saveShardStatus(blobs, { ...status, shard: 1, shards: 2, updatedAt: 0 });
    const ingest = createIngest({ router: createRouter(DEFAULT_LIMITS, {}, targetsRoutes(() => loadAllStatus(blobs))), limits: DEFAULT_LIMITS, relabel: { rules: [] }, externalLabels: [], maxSamplesPerMessage: 1000, queue: new MemoryQueue(), blobs, clock: new FakeClock(), logger: new MemoryLogger(), metrics: new CounterRegistry() });
    const api = await ingest({ method: 'GET', path: '/api/v1/targets', query: new URLSearchParams(), headers: {}, body: new Uint8Array() });
    assert.equal(api.status, 200);
    const body = JSON.parse(String(api.body));
    assert.equal(body.data.activeTargets.length, 1);
    assert.deepEqual([body.data.activeTargets[0].scrapeInterval, body.data.activeTargets[0].lastScrape], ['15s', '2023-11-14T22:13:20.000Z']);
    const html = await ingest({ method: 'GET', path: '/targets', query: new URLSearchParams(), headers: {}, body: new Uint8Array() });
    assert.equal(html.headers['content-type'], 'text/html; charset=utf-8');
    assert.match(String(html.body), /node \(1\/1 up\)/);
    assert.match(String(html.body), /instance="h:9100"/);
    const post = await ingest({ method: 'POST', path: '/api/v1/targets', query: new URLSearchParams(), headers: {}, body: new Uint8Array() });
    assert.equal(post.status, 405);
  });
});
