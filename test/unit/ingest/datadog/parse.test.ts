import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BadRequestError } from '../../../../lib/errors.ts';
import { sanitizeDatadogMetricName, splitTag } from '../../../../lib/ingest/datadog/labels.ts';
import { parseDatadogV1Series, parseDatadogV2Series, type DatadogOptions } from '../../../../lib/ingest/datadog/parse.ts';
import { jsonBody, NOW, protobufBody, render } from './helpers.ts';

describe('DataDog name and tag rules (VictoriaMetrics datadogutils tests)', () => {
  const names: [string, string][] = [
    ['before.dot.metric!.name', 'before.dot.metric.name'],
    ['after.dot.metric.!name', 'after.dot.metric.name'],
    ['in.the.middle.met!ric.name', 'in.the.middle.met_ric.name'],
    ['before.and.after.and.middle.met!ric!.!name', 'before.and.after.and.middle.met_ric.name'],
    ['many.consecutive.met!!!!ric!!.!!name', 'many.consecutive.met_ric.name'],
    ['many.non.consecutive.m!e!t!r!i!c!.!name', 'many.non.consecutive.m_e_t_r_i_c.name'],
    ['how.about.underscores_.!_metric!_!.__!!name', 'how.about.underscores.metric.name'],
    ['how.about.underscores.middle.met!_!_ric.name', 'how.about.underscores.middle.met_ric.name'],
  ];
  for (const [input, want] of names) it(`sanitize ${input}`, () => assert.equal(sanitizeDatadogMetricName(input), want));
  const tags: [string, [string, string]][] = [
    ['', ['', 'no_label_value']],
    ['foo', ['foo', 'no_label_value']],
    ['foo:bar', ['foo', 'bar']],
    [':bar', ['', 'bar']],
    ['url:http://x:80/', ['url', 'http://x:80/']],
  ];
  for (const [input, want] of tags) it(`splitTag ${JSON.stringify(input)}`, () => assert.deepEqual(splitTag(input), want));
});

interface Case {
  name: string;
  body: unknown;
  opts?: DatadogOptions;
  want: string[];
  errors?: string[];
}

const v1Cases: Case[] = [
  {
    name: 'metric, points, host, device and tags become one series; seconds (float) -> ms truncated',
    body: {
      series: [
        {
          metric: 'system.load.1',
          points: [[1700000000.5679, 0.7], [1700000010, 0.8]],
          tags: ['environment:test', 'role', 'url:http://x:80/'],
          host: 'h1',
          device: 'sda',
          type: 'gauge',
          interval: 10,
        },
      ],
    },
    want: [
      '{__name__="system.load.1",device="sda",environment="test",host="h1",role="no_label_value",url="http://x:80/"} 0.7@1700000000567',
      '{__name__="system.load.1",device="sda",environment="test",host="h1",role="no_label_value",url="http://x:80/"} 0.8@1700000010000',
    ],
  },
  {
    name: 'a host tag becomes exported_host; empty names and values are dropped; the first of repeated names wins',
    body: { series: [{ metric: 'm', points: [[1, 1]], host: 'h', tags: ['host:other', 'env:', ':x', 'a:1', 'a:2'] }] },
    want: ['m{a="1",exported_host="other",host="h"} 1@1000'],
  },
  {
    name: 'missing or non-positive timestamps mean now; points are sorted',
    body: { series: [{ metric: 'm', points: [[0, 1], [null, 2], [-5, 3], [100, 4]] }] },
    want: ['m{} 1@1800000000000', 'm{} 2@1800000000000', 'm{} 3@1800000000000', 'm{} 4@100000'],
  },
  {
    name: 'metric names are sanitised as DataDog does (dots kept)',
    body: { series: [{ metric: 'my-app.req!!count__x', points: [[1, 1]] }] },
    want: ['{__name__="my_app.req_count_x"} 1@1000'],
  },
  {
    name: 'sanitizeMetricName: false keeps the name',
    body: { series: [{ metric: 'my-app.req', points: [[1, 1]] }] },
    opts: { sanitizeMetricName: false },
    want: ['{__name__="my-app.req"} 1@1000'],
  },
  {
    name: 'prometheusNaming turns dots and other invalid characters into underscores in metric and label names',
    body: { series: [{ metric: 'system.load.1', points: [[1, 1]], tags: ['kube.namespace:ns', '1x:y'] }] },
    opts: { prometheusNaming: true },
    want: ['system_load_1{_1x="y",kube_namespace="ns"} 1@1000'],
  },
  {
    name: 'bad series and points are skipped and reported with their index',
    body: {
      series: [
        { metric: 'ok', points: [[1, 1], ['x', 2], [3], [4, 'NaN'], [1e300, 1]] },
        'nope',
        { metric: '', points: [[1, 1]] },
        { metric: 'm', tags: 'a:b', points: [] },
        { metric: 'm', host: 5, points: [] },
        { metric: 'm', points: {} },
        { metric: '!!!', points: [[1, 1]] },
        { metric: 'empty' },
      ],
    },
    want: ['ok{} 1@1000'],
    errors: [
      'series[0]: "ok": points[1]: timestamp must be a number of seconds, got "x"',
      'series[0]: "ok": points[2]: expected [timestamp, value], got [3]',
      'series[0]: "ok": points[3]: value must be a number, got "NaN"',
      'series[0]: "ok": points[4]: timestamp 1e+300 is out of range',
      'series[1]: expected an object, got "nope"',
      'series[2]: "metric" must be a non-empty string, got ""',
      'series[3]: "tags" must be an array of strings, got "a:b"',
      'series[4]: "host" must be a string, got 5',
      'series[5]: "points" must be an array, got {}',
      'series[6]: metric name "!!!" sanitises to the invalid name "_"',
    ],
  },
];

const v2Cases: Case[] = [
  {
    name: 'VictoriaMetrics parser_test request: resources become labels, timestamp seconds -> ms',
    body: {
      series: [
        {
          metric: 'system.load.1',
          type: 0,
          points: [{ timestamp: 1636629071, value: 0.7 }],
          resources: [{ name: 'dummyhost', type: 'host' }],
          tags: ['environment:test'],
        },
      ],
    },
    want: ['{__name__="system.load.1",environment="test",host="dummyhost"} 0.7@1636629071000'],
  },
  {
    name: 'source_type_name becomes a label; a host tag becomes exported_host; missing timestamp means now',
    body: {
      series: [
        {
          metric: 'm',
          points: [{ value: 2 }, { timestamp: 10, value: 1 }],
          resources: [{ name: 'h1', type: 'host' }],
          tags: ['host:h2'],
          source_type_name: 'postgres',
        },
      ],
    },
    want: ['m{exported_host="h2",host="h1",source_type_name="postgres"} 1@10000', 'm{exported_host="h2",host="h1",source_type_name="postgres"} 2@1800000000000'],
  },
];

describe('parseDatadogV1Series', () => {
  for (const c of v1Cases) {
    it(c.name, () => {
      const r = parseDatadogV1Series(jsonBody(c.body), { ...c.opts, now: NOW });
      assert.deepEqual(render(r.series), [...c.want].sort());
      assert.deepEqual(r.errors.map((e) => e.reason), c.errors ?? []);
    });
  }
  it('error lines are the 1-based series index and excerpts quote only the item', () => {
    const r = parseDatadogV1Series(jsonBody({ series: [{ metric: 'a', points: [[1, 1]] }, { metric: 7, points: [], tags: ['x'.repeat(1000)] }] }), { now: NOW });
    assert.equal(r.errors[0]!.line, 2);
    assert.ok(r.errors[0]!.excerpt.length < 220);
  });
});

for (const format of ['json', 'protobuf'] as const) {
  describe(`parseDatadogV2Series (${format})`, () => {
    for (const c of v2Cases) {
      it(c.name, () => {
        const body = format === 'json' ? jsonBody(c.body) : protobufBody(c.body);
        const r = parseDatadogV2Series(body, { ...c.opts, now: NOW, format });
        assert.deepEqual(render(r.series), [...c.want].sort());
        assert.deepEqual(r.errors.map((e) => e.reason), c.errors ?? []);
      });
    }
  });
}

describe('parseDatadogV2Series rejections', () => {
  it('JSON: bad points and resources are reported per series', () => {
    const r = parseDatadogV2Series(
      jsonBody({
        series: [
          { metric: 'a', points: [{ timestamp: 'x', value: 1 }, { timestamp: 1, value: null }, [1, 2]] },
          { metric: 'b', resources: [{ name: 1 }], points: [{ timestamp: 1, value: 1 }] },
          { metric: 'c', source_type_name: 3, points: [] },
        ],
      }),
      { now: NOW, format: 'json' },
    );
    assert.deepEqual(
      r.errors.map((e) => e.reason),
      [
        'series[0]: "a": points[0]: timestamp must be a number of seconds, got "x"',
        'series[0]: "a": points[1]: value must be a number, got null',
        'series[0]: "a": points[2]: expected {"timestamp": seconds, "value": number}, got [1,2]',
        'series[1]: "resources" must be an array of {"name": string, "type": string}, got [{"name":1}]',
        'series[2]: "source_type_name" must be a string, got 3',
      ],
    );
  });
  it('protobuf: a series without a metric name is reported', () => {
    const r = parseDatadogV2Series(protobufBody({ series: [{ metric: '', points: [{ timestamp: 1, value: 1 }] }, { metric: 'ok', points: [{ timestamp: 1, value: 1 }] }] }), {
      now: NOW,
      format: 'protobuf',
    });
    assert.deepEqual(render(r.series), ['ok{} 1@1000']);
    assert.deepEqual(r.errors.map((e) => [e.line, e.reason]), [[1, 'series[0]: empty metric name']]);
  });
  const whole: { name: string; body: Uint8Array; format: 'json' | 'protobuf'; want: string }[] = [
    { name: 'empty body', body: jsonBody(''), format: 'json', want: 'datadog: cannot parse v2 series JSON body' },
    { name: 'not JSON', body: jsonBody('foobar'), format: 'json', want: 'datadog: cannot parse v2 series JSON body' },
    { name: 'truncated', body: jsonBody('{"series":123'), format: 'json', want: 'datadog: cannot parse v2 series JSON body' },
    { name: 'a number', body: jsonBody('1234'), format: 'json', want: 'datadog: v2 series body must be a JSON object with a "series" array, got 1234' },
    { name: 'an array', body: jsonBody('[]'), format: 'json', want: 'datadog: v2 series body must be a JSON object with a "series" array, got []' },
    { name: 'series not an array', body: jsonBody('{"series":{}}'), format: 'json', want: 'datadog: v2 series body: "series" must be an array, got {}' },
    { name: 'protobuf garbage', body: Uint8Array.from([0x0a, 0xff, 0xff, 0x01]), format: 'protobuf', want: 'datadog: cannot decode protobuf MetricPayload (4 bytes):' },
  ];
  for (const c of whole) {
    it(`whole body rejected: ${c.name}`, () => {
      assert.throws(
        () => parseDatadogV2Series(c.body, { now: NOW, format: c.format }),
        (e: unknown) => e instanceof BadRequestError && e.message.startsWith(c.want),
      );
    });
  }
  it('{} is an empty request', () => assert.deepEqual(parseDatadogV2Series(jsonBody('{}'), { now: NOW, format: 'json' }), { series: [], errors: [], errorCount: 0 }));
});

describe('timestamp range limit', () => {
  it('accepts up to 8.64e12 seconds (the largest JavaScript Date) and reports beyond it', () => {
    const r = parseDatadogV2Series(jsonBody({ series: [{ metric: 'm', points: [{ timestamp: 8.64e12, value: 1 }, { timestamp: 8.64e12 + 1, value: 2 }] }] }), { now: NOW, format: 'json' });
    assert.deepEqual(render(r.series), ['m{} 1@8640000000000000']);
    assert.deepEqual(r.errors.map((e) => e.reason), ['series[0]: "m": points[1]: timestamp 8640000000001 is out of range']);
  });
});
