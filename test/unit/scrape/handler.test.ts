import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createScrapeHandler } from '../../../lib/compose/scrape.ts';
import { BlobSeriesStore } from '../../../lib/scrape/state.ts';
import { byName, scrapeHarness, show, startTestTarget, text, type TestTarget } from './helpers.ts';

const MINUTE = 1_700_000_040_000;
let target: TestTarget;
after(() => target?.close());

describe('functions/scrape handler', () => {
  it('keeps the previous series in state/ between invocations, so staleness markers cross invocations', async () => {
    target = await startTestTarget();
    const bodies = ['a 1\nb 1\n', 'a 2\n'];
    target.respond = (req, res) => text(bodies[Math.min(target.requests.length - 1, 1)]!)(req, res);
    const raw = { scrape_configs: [{ job_name: 'j', static_configs: [{ targets: [target.host] }] }] };
    // Two invocations, each with fresh dependencies (a new Lambda container) but the same blob store.
    const first = scrapeHarness(raw, MINUTE + 500);
    first.deps.seriesState = new BlobSeriesStore(first.blobs);
    const r1 = await createScrapeHandler(first.deps)({ time: new Date(MINUTE).toISOString() }, { getRemainingTimeInMillis: () => 55_000 });
    assert.equal(r1.scrapes, 1);
    assert.ok(first.blobs.keys('state/scrape/').includes('state/scrape/series/0-of-1.json.gz'), first.blobs.keys().join());
    const second = scrapeHarness(raw, MINUTE + 60_300);
    second.deps.blobs = first.blobs;
    second.deps.seriesState = new BlobSeriesStore(first.blobs);
    second.deps.queue = first.queue;
    await createScrapeHandler(second.deps)({ time: new Date(MINUTE + 60_000).toISOString() }, { getRemainingTimeInMillis: () => 55_000 });
    const got = await first.drain();
    assert.deepEqual(show(byName(got, 'b')), [`b{instance="${target.host}",job="j"} 1`, `b{instance="${target.host}",job="j"} STALE`]);
    assert.deepEqual(byName(got, 'b').map((s) => s.samples[0]!.timestamp), [MINUTE + 500, MINUTE + 60_300]);
    first.close();
    second.close();
  });

  it('survives a corrupt state object (one round without staleness markers)', async () => {
    const h = scrapeHarness({ scrape_configs: [{ job_name: 'j', static_configs: [{ targets: [target.host] }] }] }, MINUTE);
    await h.blobs.put('state/scrape/series/0-of-1.json.gz', Buffer.from('not gzip'));
    h.deps.seriesState = new BlobSeriesStore(h.blobs);
    const r = await createScrapeHandler(h.deps)({}, { getRemainingTimeInMillis: () => 55_000 });
    assert.equal(r.failed, 0);
    assert.equal(byName(await h.drain(), 'up').length, 1);
    h.close();
  });
});
