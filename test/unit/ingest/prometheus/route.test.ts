import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BadRequestError } from '../../../../lib/errors.ts';
import { DEFAULT_LIMITS } from '../../../../lib/config/schema.ts';
import { createRoutes, importTimestamp, prometheusRoutes } from '../../../../lib/ingest/prometheus/route.ts';
import { REJECTED_LINES_HEADER } from '../../../../lib/ingest/jsonline/line-report.ts';
import type { IngestRequest, RouteOutcome } from '../../../../lib/ingest/types.ts';

const routes = createRoutes({ limits: DEFAULT_LIMITS });

const NOW = 1_700_000_000_000;
const route = routes[0]!;

function request(body: string, query = '', headers: Record<string, string> = {}): IngestRequest {
  return {
    method: 'POST',
    path: '/api/v1/import/prometheus',
    params: {},
    query: new URLSearchParams(query),
    headers,
    body: new TextEncoder().encode(body),
    now: NOW,
  };
}

function series(outcome: RouteOutcome) {
  assert.equal(outcome.kind, 'series');
  return outcome;
}

describe('POST /api/v1/import/prometheus', () => {
  it('is one POST route named prometheus', () => {
    assert.equal(routes.length, 1);
    assert.deepEqual(route.paths, ['/api/v1/import/prometheus']);
    assert.deepEqual(route.methods, ['POST']);
    assert.equal(route.protocol, 'prometheus');
  });

  it('answers 204 and stamps samples without a timestamp with req.now', () => {
    const out = series(route.handle(request('a{b="c"} 1\nd 2 5\n')));
    assert.deepEqual(out.success, { status: 204 });
    assert.deepEqual(out.errors, []);
    assert.deepEqual(
      out.series.map((s) => s.samples),
      [[{ value: 1, timestamp: NOW }], [{ value: 2, timestamp: 5 }]],
    );
  });

  it('uses ?timestamp= (milliseconds) as the default timestamp', () => {
    const out = series(route.handle(request('a 1\n', 'timestamp=1600000000123')));
    assert.equal(out.series[0]!.samples[0]!.timestamp, 1600000000123);
  });

  it('reads OpenMetrics when the Content-Type says so (timestamps in seconds)', () => {
    const body = '# TYPE a counter\na_total 1 1600000000.5\n# EOF\n';
    const out = series(route.handle(request(body, '', { 'content-type': 'application/openmetrics-text; version=1.0.0; charset=utf-8' })));
    assert.deepEqual(out.errors, []);
    assert.equal(out.series[0]!.samples[0]!.timestamp, 1600000000500);
  });

  it('reads text 0.0.4 otherwise (timestamps in milliseconds)', () => {
    const out = series(route.handle(request('a 1 1600000000500\n', '', { 'content-type': 'text/plain; version=0.0.4' })));
    assert.equal(out.series[0]!.samples[0]!.timestamp, 1600000000500);
  });

  it('skips bad lines like VictoriaMetrics: good series queued, errors reported, partial answer 204 with a count', () => {
    const out = series(route.handle(request('a 1\nb x\nc{d="1",d="2"} 3\ne 4\n')));
    assert.equal(out.series.length, 2);
    assert.deepEqual(
      out.errors.map((e) => [e.line, e.reason]),
      [
        [2, 'invalid value "x"'],
        [3, 'duplicate label name "d"'],
      ],
    );
    assert.deepEqual(out.partial!({ errors: out.errors }), { status: 204, headers: { [REJECTED_LINES_HEADER]: '2' } });
  });

  it('answers 400 for a body in which every sample line is bad, listing the errors', () => {
    const out = series(route.handle(request('# HELP a x\nthis is not prometheus\n{x="y"} 1\n')));
    assert.equal(out.series.length, 0);
    const res = out.partial!({ errors: out.errors });
    assert.equal(res.status, 400);
    const body = String(res.body);
    assert.ok(body.startsWith('prometheus: 2 invalid lines; nothing was accepted\n'), body);
    assert.ok(body.includes('prometheus: line 2: invalid value "is": "this is not prometheus"'), body);
    assert.ok(body.includes('prometheus: line 3: missing metric name before "{"'), body);
  });

  it('max_line_length: a line at the limit is parsed, one past it is a bad line naming the limit (text and OpenMetrics)', () => {
    const at = series(prometheusRoutes(5)[0]!.handle(request('ab 12\n')));
    assert.deepEqual([at.series.length, at.errors], [1, []]);
    const past = series(prometheusRoutes(5)[0]!.handle(request('ab 123\nc 1\n')));
    assert.equal(past.series.length, 1);
    assert.deepEqual(past.errors.map((e) => [e.line, e.reason]), [[1, 'line of 6 characters exceeds max_line_length=5']]);
    const om = series(prometheusRoutes(5)[0]!.handle(request('ab 123\nc 1\n# EOF\n', '', { 'content-type': 'application/openmetrics-text; version=1.0.0' })));
    assert.deepEqual(om.errors.map((e) => e.line), [1]);
  });

  it('lists at most 10 errors in a rejection', () => {
    const body = Array.from({ length: 25 }, (_, i) => `bad${i} x`).join('\n');
    const out = series(route.handle(request(body)));
    const lines = String(out.partial!({ errors: out.errors, errorCount: out.errorCount }).body).trimEnd().split('\n');
    assert.equal(lines.length, 12);
    assert.equal(lines[0], 'prometheus: 25 invalid lines; nothing was accepted');
    assert.equal(lines[11], 'prometheus: ... and 15 more');
  });

  it('accepts an empty body or one with comments only (nothing to queue)', () => {
    for (const body of ['', '# HELP a x\n\n']) {
      const out = series(route.handle(request(body)));
      assert.deepEqual(out.series, []);
      assert.deepEqual(out.errors, []);
    }
  });

  it('rejects an OpenMetrics body without # EOF and without samples', () => {
    const out = series(route.handle(request('', '', { 'content-type': 'application/openmetrics-text' })));
    const res = out.partial!({ errors: out.errors });
    assert.equal(res.status, 400);
    assert.match(String(res.body), /prometheus: line 1: missing "# EOF" at the end of the OpenMetrics body/);
  });
});

describe('importTimestamp', () => {
  const table: { name: string; query: string; want: number }[] = [
    { name: 'absent', query: '', want: NOW },
    { name: 'empty', query: 'timestamp=', want: NOW },
    { name: 'zero means now (VictoriaMetrics)', query: 'timestamp=0', want: NOW },
    { name: 'milliseconds', query: 'timestamp=1600000000123', want: 1600000000123 },
    { name: 'first of repeated', query: 'timestamp=5&timestamp=6', want: 5 },
  ];
  for (const { name, query, want } of table) {
    it(name, () => assert.equal(importTimestamp(new URLSearchParams(query), NOW), want));
  }

  for (const bad of ['abc', '1.5', '-5', '1e12', '99999999999999999']) {
    it(`rejects timestamp=${bad}`, () => {
      assert.throws(
        () => importTimestamp(new URLSearchParams({ timestamp: bad }), NOW),
        (err: unknown) =>
          err instanceof BadRequestError &&
          err.message === `prometheus: cannot parse "timestamp=${bad}" query arg: want non-negative integer milliseconds`,
      );
    });
  }
});
