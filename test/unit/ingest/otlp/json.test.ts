import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BadRequestError } from '../../../../lib/errors.ts';
import { parseOtlpMetrics } from '../../../../lib/ingest/otlp/parse.ts';
import { jsonBody, NOW, render, request, T_MS, T_NANOS } from './helpers.ts';

function parse(o: unknown) {
  return parseOtlpMetrics(jsonBody(o), { format: 'json', now: NOW });
}

describe('OTLP/JSON mapping quirks', () => {
  it('accepts the original snake_case field names, as proto3 JSON parsers must', () => {
    const body = {
      resource_metrics: [
        {
          resource: { attributes: [{ key: 'service.name', value: { string_value: 's' } }] },
          scope_metrics: [
            {
              metrics: [
                {
                  name: 'c',
                  sum: { aggregation_temporality: 2, is_monotonic: true, data_points: [{ as_int: '4', time_unix_nano: T_NANOS }] },
                },
              ],
            },
          ],
        },
      ],
    };
    assert.deepEqual(render(parse(body).series), [`c{job="s"} 4@${T_MS}`]);
  });

  it('accepts enum names, int64 as JSON numbers, and NaN/Infinity as strings', () => {
    const body = request([
      { name: 'c', sum: { aggregationTemporality: 'AGGREGATION_TEMPORALITY_CUMULATIVE', isMonotonic: true, dataPoints: [{ asInt: 4, timeUnixNano: 1700000000123000000 }] } },
      { name: 'g', gauge: { dataPoints: [{ asDouble: 'NaN', timeUnixNano: T_NANOS }, { asDouble: '-Infinity', timeUnixNano: T_NANOS, attributes: [{ key: 'x', value: { stringValue: 'y' } }] }] } },
    ]);
    assert.deepEqual(render(parse(body).series), [`c{job="svc"} 4@${T_MS}`, `g{job="svc",x="y"} -Infinity@${T_MS}`, `g{job="svc"} NaN@${T_MS}`].sort());
  });

  it('ignores unknown keys (metadata, future fields); gauge exemplars are dropped and counted, as Prometheus attaches none', () => {
    const body = request([{ name: 'g', futureField: 1, metadata: [], gauge: { dataPoints: [{ asInt: '1', timeUnixNano: T_NANOS, exemplars: [{ traceId: '5b8efff798038103d269b633813fc60c' }] }] } }]);
    const r = parse(body);
    assert.deepEqual(render(r.series), [`g{job="svc"} 1@${T_MS}`]);
    assert.equal(r.series[0]!.exemplars, undefined);
    assert.deepEqual(r.drops, { otlp_gauge_exemplar: 1 });
  });

  it('an empty object is an empty request', () => {
    assert.deepEqual(parse({}), { series: [], errors: [], errorCount: 0, rejectedPoints: 0, drops: {} });
  });
});

describe('OTLP/JSON bodies that are not requests are rejected whole, naming the path', () => {
  const cases: { name: string; body: string; want: string }[] = [
    { name: 'not JSON', body: '{"resourceMetrics": [', want: 'otlp: cannot parse JSON body:' },
    { name: 'top level array', body: '[]', want: 'otlp: JSON body: $: expected an object, got []' },
    { name: 'resourceMetrics not an array', body: '{"resourceMetrics":{}}', want: 'otlp: JSON body: resourceMetrics: expected an array, got {}' },
    {
      name: 'bad timestamp',
      body: JSON.stringify(request([{ name: 'g', gauge: { dataPoints: [{ asInt: '1', timeUnixNano: 'soon' }] } }])),
      want: 'otlp: JSON body: resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[0].timeUnixNano: expected unsigned nanoseconds (number or decimal string), got "soon"',
    },
    {
      name: 'negative timestamp',
      body: JSON.stringify(request([{ name: 'g', gauge: { dataPoints: [{ asInt: '1', timeUnixNano: '-5' }] } }])),
      want: 'timeUnixNano: expected unsigned nanoseconds',
    },
    {
      name: 'timestamp beyond uint64',
      body: JSON.stringify(request([{ name: 'g', gauge: { dataPoints: [{ asInt: '1', timeUnixNano: '18446744073709551616' }] } }])),
      want: 'timeUnixNano: expected unsigned nanoseconds',
    },
    {
      name: 'timestamp as a JSON number beyond uint64',
      body: JSON.stringify(request([{ name: 'g', gauge: { dataPoints: [{ asInt: '1', timeUnixNano: 9.007199254740992e21 }] } }])),
      want: 'timeUnixNano: expected unsigned nanoseconds (number or decimal string), got 9.007199254740992e+21',
    },
    {
      name: 'asInt not an integer',
      body: JSON.stringify(request([{ name: 'g', gauge: { dataPoints: [{ asInt: '1.5' }] } }])),
      want: 'gauge.dataPoints[0].asInt: expected an integer (number or decimal string), got "1.5"',
    },
    {
      name: 'asDouble not a number',
      body: JSON.stringify(request([{ name: 'g', gauge: { dataPoints: [{ asDouble: 'abc' }] } }])),
      want: 'gauge.dataPoints[0].asDouble: expected a number, got "abc"',
    },
    {
      name: 'metric name not a string',
      body: JSON.stringify(request([{ name: 5, gauge: { dataPoints: [] } }])),
      want: 'metrics[0].name: expected a string, got 5',
    },
    {
      name: 'isMonotonic not a bool',
      body: JSON.stringify(request([{ name: 'c', sum: { isMonotonic: 'yes', dataPoints: [] } }])),
      want: 'metrics[0].sum.isMonotonic: expected true or false, got "yes"',
    },
    {
      name: 'attribute key missing type',
      body: JSON.stringify(request([{ name: 'g', gauge: { dataPoints: [{ asInt: '1', attributes: [{ key: 1, value: {} }] }] } }])),
      want: 'dataPoints[0].attributes[0].key: expected a string, got 1',
    },
    {
      name: 'flags out of range',
      body: JSON.stringify(request([{ name: 'g', gauge: { dataPoints: [{ flags: -1 }] } }])),
      want: 'dataPoints[0].flags: expected a uint32, got -1',
    },
    {
      name: 'attribute value nested too deep',
      body: JSON.stringify(request([{ name: 'g', gauge: { dataPoints: [{ asInt: '1', attributes: [{ key: 'deep', value: nest(40) }] }] } }])),
      want: 'otlp: attribute value nested deeper than 32 levels',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.throws(
        () => parseOtlpMetrics(new TextEncoder().encode(c.body), { format: 'json', now: NOW }),
        (err: unknown) => err instanceof BadRequestError && err.status === 400 && err.message.includes(c.want),
      );
    });
  }
});

function nest(depth: number): unknown {
  let v: unknown = { stringValue: 'x' };
  for (let i = 0; i < depth; i++) v = { arrayValue: { values: [v] } };
  return v;
}
