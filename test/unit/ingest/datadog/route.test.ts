import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs';
import { BadRequestError, ConfigError, UnsupportedMediaTypeError } from '../../../../lib/errors.ts';
import { DEFAULT_LIMITS } from '../../../../lib/config/schema.ts';
import { createDatadogRoutes, createRoutes } from '../../../../lib/ingest/datadog/route.ts';
import type { IngestRequest, ProtocolRoute, RouteOutcome } from '../../../../lib/ingest/types.ts';
import { jsonBody, NOW, render } from './helpers.ts';

const routes = createRoutes({ limits: DEFAULT_LIMITS });

function find(path: string, rs: ProtocolRoute[] = routes): ProtocolRoute {
  const r = rs.find((x) => x.paths.includes(path));
  assert.ok(r, `no route for ${path}`);
  return r;
}

function req(path: string, body: Uint8Array, headers: Record<string, string> = { 'content-type': 'application/json' }, method = 'POST'): IngestRequest {
  return { method, path, params: {}, query: new URLSearchParams(), headers, body, now: NOW };
}

function series(o: RouteOutcome) {
  assert.equal(o.kind, 'series');
  return o as Extract<RouteOutcome, { kind: 'series' }>;
}

/** MetricPayload written with agent-payload's field numbers, independently of the descriptor. */
function agentPayload(): Uint8Array {
  const w = protobuf.Writer.create();
  const s = protobuf.Writer.create();
  s.uint32((1 << 3) | 2).fork().uint32((1 << 3) | 2).string('host').uint32((2 << 3) | 2).string('agent-host').ldelim(); // resources = 1 {type=1, name=2}
  s.uint32((2 << 3) | 2).string('datadog.agent.running'); // metric = 2
  s.uint32((3 << 3) | 2).string('version:7.50.0'); // tags = 3
  s.uint32((4 << 3) | 2).fork().uint32((1 << 3) | 1).double(1).uint32((2 << 3) | 0).int64(1700000000).ldelim(); // points = 4 {value=1, timestamp=2}
  s.uint32((5 << 3) | 0).int32(3); // type = 5
  s.uint32((6 << 3) | 2).string(''); // unit = 6
  s.uint32((7 << 3) | 2).string('System'); // source_type_name = 7
  s.uint32((8 << 3) | 0).int64(15); // interval = 8
  w.uint32((1 << 3) | 2).bytes(s.finish()); // MetricPayload.series = 1
  return w.finish();
}

describe('DataDog routes', () => {
  it('v1 series: 202 {"status":"ok"}', () => {
    const o = series(find('/datadog/api/v1/series').handle(req('/datadog/api/v1/series', jsonBody({ series: [{ metric: 'm', points: [[1, 2]], host: 'h' }] }))));
    assert.deepEqual(render(o.series), ['m{host="h"} 2@1000']);
    assert.deepEqual(o.success, { status: 202, headers: { 'content-type': 'application/json' }, body: '{"status":"ok"}' });
  });

  it('v2 series JSON: 202 {"errors":[]}', () => {
    const o = series(find('/datadog/api/v2/series').handle(req('/datadog/api/v2/series', jsonBody({ series: [{ metric: 'm', points: [{ timestamp: 1, value: 2 }] }] }))));
    assert.deepEqual(render(o.series), ['m{} 2@1000']);
    assert.deepEqual(o.success, { status: 202, headers: { 'content-type': 'application/json' }, body: '{"errors":[]}' });
  });

  it('v2 series protobuf from the Agent (field numbers of agent-payload)', () => {
    const o = series(find('/datadog/api/v2/series').handle(req('/datadog/api/v2/series', agentPayload(), { 'content-type': 'application/x-protobuf' })));
    assert.deepEqual(render(o.series), ['{__name__="datadog.agent.running",host="agent-host",source_type_name="System",version="7.50.0"} 1@1700000000000']);
  });

  it('partial writes answer 202 and list the skipped series', () => {
    const body = jsonBody({ series: [{ metric: 'm', points: [{ timestamp: 1, value: 2 }] }, { metric: 1 }] });
    const o = series(find('/datadog/api/v2/series').handle(req('/datadog/api/v2/series', body)));
    assert.equal(o.errors.length, 1);
    assert.deepEqual(JSON.parse(String(o.partial!({ errors: o.errors }).body)), { errors: ['series 2: series[1]: "metric" must be a non-empty string, got 1'] });
    const v1 = series(find('/datadog/api/v1/series').handle(req('/datadog/api/v1/series', jsonBody({ series: [{ metric: 'm', points: [[1, 1]] }, 'x'] }))));
    const r = v1.partial!({ errors: v1.errors });
    assert.equal(r.status, 202);
    assert.deepEqual(JSON.parse(String(r.body)), { status: 'ok', errors: ['series 2: series[1]: expected an object, got "x"'] });
  });

  it('a body where nothing is usable is 400 naming the items', () => {
    assert.throws(
      () => find('/datadog/api/v1/series').handle(req('/datadog/api/v1/series', jsonBody({ series: [{ metric: '' }] }))),
      (e: unknown) => e instanceof BadRequestError && e.message === 'datadog: no valid series: series 1: series[0]: "metric" must be a non-empty string, got ""',
    );
  });

  it('unknown v2 Content-Types are 415', () => {
    assert.throws(
      () => find('/datadog/api/v2/series').handle(req('/datadog/api/v2/series', jsonBody('{}'), { 'content-type': 'application/xml' })),
      (e: unknown) => e instanceof UnsupportedMediaTypeError && e.message.includes('datadog: unsupported Content-Type "application/xml"'),
    );
  });

  const stubs: [string, string, number, string][] = [
    ['/datadog/api/v1/validate', 'GET', 200, '{"valid":true}'],
    ['/datadog/intake/', 'POST', 200, '{}'],
    ['/datadog/intake', 'POST', 200, '{}'],
    ['/datadog/api/v1/check_run', 'POST', 202, '{"status":"ok"}'],
    ['/datadog/api/v1/metadata', 'POST', 200, '{}'],
  ];
  for (const [path, method, status, body] of stubs) {
    it(`${method} ${path} -> ${status} ${body}`, () => {
      const r = find(path);
      assert.ok(r.methods.includes(method));
      assert.deepEqual(r.handle(req(path, new Uint8Array(), {}, method)), { kind: 'response', response: { status, headers: { 'content-type': 'application/json' }, body } });
    });
  }

  it('series paths also answer with a trailing slash (older Agents)', () => {
    find('/datadog/api/v1/series/');
    find('/datadog/api/v2/series/');
  });

  it('options are validated and reach the parser', () => {
    assert.throws(
      () => createDatadogRoutes({ sanitise: true, prometheusNaming: 'yes' } as never),
      (e: unknown) => e instanceof ConfigError && e.problems.includes('datadog.sanitise: unknown option') && e.problems.includes('datadog.prometheusNaming: must be true or false'),
    );
    const rs = createDatadogRoutes({ prometheusNaming: true });
    const o = series(find('/datadog/api/v1/series', rs).handle(req('/datadog/api/v1/series', jsonBody({ series: [{ metric: 'a.b', points: [[1, 1]] }] }))));
    assert.deepEqual(render(o.series), ['a_b{} 1@1000']);
  });
});

describe('DataDog partial response limits', () => {
  it('lists at most 10 errors (MAX_LISTED_LINE_ERRORS, the rule of every protocol) and says how many more', () => {
    const body = jsonBody({ series: [{ metric: 'ok', points: [{ timestamp: 1, value: 1 }] }, ...Array.from({ length: 25 }, () => 'bad')] });
    const o = series(find('/datadog/api/v2/series').handle(req('/datadog/api/v2/series', body)));
    const errors: string[] = JSON.parse(String(o.partial!({ errors: o.errors, errorCount: o.errorCount }).body)).errors;
    assert.equal(errors.length, 11);
    assert.equal(errors[10], 'and 15 more');
  });
});
