import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { LocalSecretStore } from '../../../lib/adapters/secrets/local-secret-store.ts';
import { SCRAPE_ACCEPT } from '../../../lib/scrape/fetch.ts';
import { runScrapeWindow } from '../../../lib/scrape/run.ts';
import { loadAllStatus } from '../../../lib/scrape/state.ts';
import { targetsApiResponse } from '../../../lib/scrape/status.ts';
import { byName, scrapeHarness, show, startTestTarget, text, type TestTarget } from './helpers.ts';

const MINUTE = 1_700_000_040_000; // a whole minute (and an even one: divisible by 2m)
const targets: TestTarget[] = [];
after(async () => {
  for (const t of targets) await t.close();
});
async function target(body = 'm 1\n'): Promise<TestTarget> {
  const t = await startTestTarget(body);
  targets.push(t);
  return t;
}
const job = (t: TestTarget | TestTarget[], extra: Record<string, unknown> = {}) => ({ job_name: 'j', static_configs: [{ targets: (Array.isArray(t) ? t : [t]).map((x) => x.host) }], ...extra });
const win = { from: MINUTE, to: MINUTE + 60_000, shard: 0, shards: 1 };

describe('runScrapeWindow', () => {
  it('runs sub-minute intervals as rounds aligned to the interval inside the window', async () => {
    const t = await target();
    const h = scrapeHarness({ scrape_configs: [job(t, { scrape_interval: '15s' })] }, MINUTE + 1200);
    const r = await runScrapeWindow(h.deps, win);
    // The invocation started 1.2s late: the :00 round runs at once, then :15, :30, :45 on time.
    assert.equal(r.rounds, 4);
    assert.equal(t.requests.length, 4);
    const got = await h.drain();
    assert.deepEqual(byName(got, 'm').map((s) => s.samples[0]!.timestamp), [MINUTE + 1200, MINUTE + 15_000, MINUTE + 30_000, MINUTE + 45_000]);
    const up = byName(got, 'up');
    assert.deepEqual(show(up.slice(0, 1)), [`up{instance="${t.host}",job="j"} 1`]);
    for (const name of ['scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_samples_post_metric_relabeling', 'scrape_series_added']) assert.equal(byName(got, name).length, 4, name);
    assert.deepEqual(byName(got, 'scrape_series_added').map((s) => s.samples[0]!.value), [1, 0, 0, 0]);
    h.close();
  });

  it('skips rounds so late that the next one is already due (a late invocation scrapes once, not in a burst)', async () => {
    const t = await target();
    const h = scrapeHarness({ scrape_configs: [job(t, { scrape_interval: '15s' })] }, MINUTE + 40_000);
    const r = await runScrapeWindow(h.deps, win);
    assert.deepEqual([r.rounds, r.skippedRounds], [2, 2]);
    assert.deepEqual(byName(await h.drain(), 'up').map((s) => s.samples[0]!.timestamp), [MINUTE + 40_000, MINUTE + 45_000]);
    h.close();
  });

  it('scrapes intervals over a minute only in the minutes that hold a multiple of the interval', async () => {
    const t = await target();
    const h = scrapeHarness({ scrape_configs: [job(t, { scrape_interval: '2m' })] }, MINUTE);
    assert.equal((await runScrapeWindow(h.deps, win)).rounds, 1);
    h.clock.t = MINUTE + 60_000;
    assert.equal((await runScrapeWindow(h.deps, { ...win, from: MINUTE + 60_000, to: MINUTE + 120_000 })).rounds, 0);
    h.clock.t = MINUTE + 120_000;
    assert.equal((await runScrapeWindow(h.deps, { ...win, from: MINUTE + 120_000, to: MINUTE + 180_000 })).rounds, 1);
    assert.equal(t.requests.length, 2);
    h.close();
  });

  it('sends staleness markers for series that disappear, but not for series with their own timestamps', async () => {
    const t = await target();
    const bodies = ['a 1\nb 1\nc 1 1600000000000\n', 'a 2\n'];
    t.respond = (req, res) => text(bodies[Math.min(t.requests.length - 1, 1)]!)(req, res);
    const h = scrapeHarness({ scrape_configs: [job(t, { scrape_interval: '30s' })] }, MINUTE);
    await runScrapeWindow(h.deps, win);
    const got = (await h.drain()).filter((s) => !s.labels.some((l) => l.name === '__name__' && (l.value.startsWith('scrape_') || l.value === 'up')));
    assert.deepEqual(show(got), [
      `a{instance="${t.host}",job="j"} 1`,
      `a{instance="${t.host}",job="j"} 2`,
      `b{instance="${t.host}",job="j"} 1`,
      `b{instance="${t.host}",job="j"} STALE`,
      `c{instance="${t.host}",job="j"} 1`,
    ]);
    const stale = got.find((s) => s.samples[0]!.stale)!;
    assert.equal(stale.samples[0]!.timestamp, MINUTE + 30_000);
    h.close();
  });

  const failures: { name: string; respond: TestTarget['respond']; extra?: Record<string, unknown>; want: string }[] = [
    { name: 'an HTTP 500', respond: (_q, s) => s.writeHead(500).end('boom'), want: 'server returned HTTP status 500' },
    { name: 'an unparsable body', respond: text('a 1\nb{ 2\n'), want: 'line 2' },
    { name: 'repeated label names', respond: text('a{x="1",x="1"} 1\n'), want: 'duplicate label name' },
    { name: 'too many samples', respond: text('a 1\nb 1\nc 1\n'), extra: { sample_limit: 2 }, want: 'sample limit exceeded' },
    { name: 'a body over body_size_limit', respond: text('a 1\n'.repeat(100)), extra: { body_size_limit: '100B' }, want: 'body size limit exceeded' },
    { name: 'a timeout', respond: () => undefined, extra: { scrape_timeout: '200ms' }, want: 'context deadline exceeded' },
  ];
  for (const f of failures) {
    it(`answers ${f.name} with up 0, nothing partial, and staleness markers for the last good scrape`, async () => {
      const t = await target();
      const good = text('a 1\nb 1\n');
      t.respond = (req, res) => (t.requests.length === 1 ? good(req, res) : f.respond(req, res));
      const h = scrapeHarness({ scrape_configs: [job(t, { scrape_interval: '30s', ...f.extra })] }, MINUTE);
      const r = await runScrapeWindow(h.deps, win);
      assert.equal(r.failed, 1);
      const got = await h.drain();
      const second = got.filter((s) => s.samples[0]!.timestamp >= MINUTE + 30_000);
      assert.deepEqual(show(second.filter((s) => ['a', 'b', 'c', 'up', 'scrape_samples_scraped'].includes(s.labels.find((l) => l.name === '__name__')!.value))), [
        `a{instance="${t.host}",job="j"} STALE`,
        `b{instance="${t.host}",job="j"} STALE`,
        `scrape_samples_scraped{instance="${t.host}",job="j"} 0`,
        `up{instance="${t.host}",job="j"} 0`,
      ].filter((l) => !(f.name === 'too many samples' && l.startsWith('scrape_samples_scraped'))).concat(f.name === 'too many samples' ? [`scrape_samples_scraped{instance="${t.host}",job="j"} 3`] : []).sort());
      const status = await loadAllStatus(h.blobs);
      assert.equal(status[0]!.active[0]!.health, 'down');
      assert.ok(status[0]!.active[0]!.lastError.includes(f.want), status[0]!.active[0]!.lastError);
      h.close();
    });
  }

  it('sends staleness markers for every series of a target that is gone, report series included', async () => {
    const t = await target('a 1\n');
    const h = scrapeHarness({ scrape_configs: [job(t)] }, MINUTE);
    await runScrapeWindow(h.deps, win);
    await h.drain();
    h.deps.jobs = [{ ...h.deps.jobs[0]!, raw: { job_name: 'j', static_configs: [] } }];
    h.clock.t = MINUTE + 60_000;
    const r = await runScrapeWindow(h.deps, { ...win, from: MINUTE + 60_000, to: MINUTE + 120_000 });
    assert.equal(r.staleMarkers, 6);
    const got = await h.drain();
    assert.deepEqual(show(got, { values: false }).length, 6);
    assert.ok(got.every((s) => s.samples[0]!.stale && s.samples[0]!.timestamp === MINUTE + 60_000));
    assert.deepEqual(show(byName(got, 'up')), [`up{instance="${t.host}",job="j"} STALE`]);
    h.close();
  });

  it('splits targets across shards: each target is scraped by exactly one shard per round', async () => {
    const ts = await Promise.all(Array.from({ length: 8 }, () => target()));
    const shards = 3;
    let total = 0;
    for (let shard = 0; shard < shards; shard++) {
      const h = scrapeHarness({ scrape_configs: [job(ts)] }, MINUTE);
      total += (await runScrapeWindow(h.deps, { ...win, shard, shards })).scrapes;
      h.close();
    }
    assert.equal(total, 8);
    assert.deepEqual(ts.map((t) => t.requests.length), Array(8).fill(1));
  });

  it('sends Prometheus headers and credentials from the secret store, and reads gzip bodies', async () => {
    const t = await target();
    t.respond = (_req, res) => res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' }).end(zlib.gzipSync('g 7\n'));
    const h = scrapeHarness({ scrape_configs: [job(t, { authorization: { credentials_ref: 'env:SCRAPE_TOKEN' } })] }, MINUTE);
    h.deps.secrets = new LocalSecretStore({ SCRAPE_TOKEN: 's3cret' });
    await runScrapeWindow(h.deps, win);
    const req = t.requests[0]!;
    assert.equal(req.accept, SCRAPE_ACCEPT);
    assert.equal(req['accept-encoding'], 'gzip');
    assert.equal(req['x-prometheus-scrape-timeout-seconds'], '10');
    assert.equal(req.authorization, 'Bearer s3cret');
    assert.deepEqual(show(byName(await h.drain(), 'g')), [`g{instance="${t.host}",job="j"} 7`]);
    h.close();
  });

  it('negotiates OpenMetrics: seconds timestamps, _created kept as a series (Prometheus 2.42 default), # EOF required', async () => {
    const t = await target();
    const om = '# TYPE c counter\nc_total 1\nc_created 1600000000.5\n# TYPE g gauge\ng 2 1600000000.25\n# EOF\n';
    t.respond = (_req, res) => res.writeHead(200, { 'content-type': 'application/openmetrics-text; version=1.0.0; charset=utf-8' }).end(t.requests.length === 1 ? om : om.replace('# EOF\n', ''));
    const h = scrapeHarness({ scrape_configs: [job(t, { scrape_interval: '30s' })] }, MINUTE);
    await runScrapeWindow(h.deps, win);
    const got = await h.drain();
    assert.deepEqual(show([...byName(got, 'c_total'), ...byName(got, 'c_created')]), [`c_created{instance="${t.host}",job="j"} 1600000000.5`, `c_total{instance="${t.host}",job="j"} 1`, `c_total{instance="${t.host}",job="j"} STALE`, `c_created{instance="${t.host}",job="j"} STALE`].sort());
    assert.deepEqual(byName(got, 'g').map((s) => s.samples[0]!.timestamp), [1600000000250]);
    assert.deepEqual(byName(got, 'up').map((s) => s.samples[0]!.value), [1, 0]);
    h.close();
  });

  it('adds global.external_labels where a scraped series lacks them', async () => {
    const t = await target('m{cluster="own"} 1\nn 1\n');
    const h = scrapeHarness({ global: { external_labels: { cluster: 'eu' } }, scrape_configs: [job(t, { honor_labels: true })] }, MINUTE);
    await runScrapeWindow(h.deps, win);
    const got = await h.drain();
    assert.deepEqual(show([...byName(got, 'm'), ...byName(got, 'n')]), [`m{cluster="own",instance="${t.host}",job="j"} 1`, `n{cluster="eu",instance="${t.host}",job="j"} 1`]);
    h.close();
  });

  it('skips rounds that cannot finish before the deadline', async () => {
    const t = await target();
    const h = scrapeHarness({ scrape_configs: [job(t, { scrape_interval: '15s', scrape_timeout: '5s' })] }, MINUTE);
    const r = await runScrapeWindow(h.deps, { ...win, deadline: MINUTE + 40_000 });
    assert.deepEqual([r.rounds, r.skippedRounds], [3, 1]);
    h.close();
  });

  it('keeps the status for /api/v1/targets in the Prometheus shape', async () => {
    const t = await target();
    const h = scrapeHarness({ scrape_configs: [job(t, { relabel_configs: [{ action: 'drop', source_labels: ['__address__'], regex: 'nothing' }] }), { job_name: 'gone', static_configs: [{ targets: ['x:1'] }], relabel_configs: [{ action: 'drop', source_labels: ['job'], regex: 'gone' }] }] }, MINUTE);
    await runScrapeWindow(h.deps, win);
    const res = targetsApiResponse(await loadAllStatus(h.blobs), new URLSearchParams());
    const body = JSON.parse(String(res.body));
    assert.equal(body.status, 'success');
    const a = body.data.activeTargets[0];
    assert.deepEqual(Object.keys(a).sort(), ['discoveredLabels', 'globalUrl', 'health', 'labels', 'lastError', 'lastScrape', 'lastScrapeDuration', 'scrapeInterval', 'scrapePool', 'scrapeTimeout', 'scrapeUrl'].sort());
    assert.deepEqual([a.health, a.scrapePool, a.scrapeUrl, a.scrapeInterval, a.scrapeTimeout, a.lastScrape], ['up', 'j', `${t.url}/metrics`, '1m', '10s', new Date(MINUTE).toISOString()]);
    assert.deepEqual(body.data.droppedTargets.map((d: { discoveredLabels: Record<string, string> }) => d.discoveredLabels.job), ['gone']);
    const active = JSON.parse(String(targetsApiResponse(await loadAllStatus(h.blobs), new URLSearchParams('state=active')).body));
    assert.deepEqual(active.data.droppedTargets, []);
    assert.equal(targetsApiResponse([], new URLSearchParams('state=bogus')).status, 400);
    h.close();
  });
});
