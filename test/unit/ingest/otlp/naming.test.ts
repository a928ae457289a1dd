import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatAttributeDouble, formatFloatPlain, nanosHalvesToMillis, nanosStringToMillis } from '../../../../lib/ingest/otlp/format.ts';
import { translateLabelName, translateMetricName, type OtlpTranslationStrategy, type PromKind } from '../../../../lib/ingest/otlp/naming.ts';

const WITH: OtlpTranslationStrategy = 'UnderscoreEscapingWithSuffixes';
const WITHOUT: OtlpTranslationStrategy = 'UnderscoreEscapingWithoutSuffixes';

// Rows from prometheus/otlptranslator's metric_namer_test.go (UTF8Allowed=false) plus the gateway's default.
const metricCases: { name: string; unit: string; kind: PromKind; strategy: OtlpTranslationStrategy; want: string }[] = [
  { name: 'simple_metric', unit: '', kind: 'gauge', strategy: WITHOUT, want: 'simple_metric' },
  { name: 'metric@with#special$chars', unit: '', kind: 'gauge', strategy: WITHOUT, want: 'metric_with_special_chars' },
  { name: '123metric', unit: '', kind: 'gauge', strategy: WITHOUT, want: '_123metric' },
  { name: 'metric@@##$$name', unit: '', kind: 'gauge', strategy: WITHOUT, want: 'metric_name' },
  { name: 'http.server.duration', unit: 's', kind: 'histogram', strategy: WITHOUT, want: 'http_server_duration' },
  { name: 'a__b', unit: '', kind: 'gauge', strategy: WITHOUT, want: 'a__b' },
  { name: 'ns:metric', unit: '', kind: 'gauge', strategy: WITHOUT, want: 'ns:metric' },
  { name: 'requests', unit: '', kind: 'counter', strategy: WITH, want: 'requests_total' },
  { name: 'cpu_usage', unit: '1', kind: 'gauge', strategy: WITH, want: 'cpu_usage_ratio' },
  { name: 'items', unit: '1', kind: 'counter', strategy: WITH, want: 'items_total' },
  { name: 'response_time', unit: 'ms', kind: 'gauge', strategy: WITH, want: 'response_time_milliseconds' },
  { name: 'memory_usage', unit: 'By', kind: 'gauge', strategy: WITH, want: 'memory_usage_bytes' },
  { name: 'requests', unit: '1/s', kind: 'gauge', strategy: WITH, want: 'requests_per_second' },
  { name: 'throughput', unit: 'By/s', kind: 'gauge', strategy: WITH, want: 'throughput_bytes_per_second' },
  { name: 'custom_metric', unit: 'custom_unit', kind: 'gauge', strategy: WITH, want: 'custom_metric_custom_unit' },
  { name: 'custom_metric', unit: '{custom}', kind: 'gauge', strategy: WITH, want: 'custom_metric' },
  { name: 'custom_metric', unit: 'By/{custom}', kind: 'gauge', strategy: WITH, want: 'custom_metric_bytes' },
  { name: 'requests_total', unit: '', kind: 'counter', strategy: WITH, want: 'requests_total' },
  { name: 'cpu_usage_ratio', unit: '1', kind: 'gauge', strategy: WITH, want: 'cpu_usage_ratio' },
  { name: 'response_time_seconds', unit: 's', kind: 'gauge', strategy: WITH, want: 'response_time_seconds' },
  { name: 'metric__with__multiple__underscores', unit: 'unit__multiple__underscores', kind: 'gauge', strategy: WITH, want: 'metric_with_multiple_underscores_unit_multiple_underscores' },
  { name: 'custom_metric', unit: 'unit@with#special/chars', kind: 'gauge', strategy: WITH, want: 'custom_metric_unit_with_special_per_chars' },
  { name: 'request_duration', unit: 's', kind: 'histogram', strategy: WITH, want: 'request_duration_seconds' },
  { name: 'active_connections', unit: '', kind: 'gauge', strategy: WITH, want: 'active_connections' },
  { name: 'uptime', unit: 'd', kind: 'gauge', strategy: WITH, want: 'uptime_days' },
  { name: 'http.server.active_requests', unit: '{request}', kind: 'gauge', strategy: 'NoTranslation', want: 'http.server.active_requests' },
];

describe('translateMetricName', () => {
  for (const c of metricCases) {
    it(`${c.strategy}: ${JSON.stringify(c.name)} unit ${JSON.stringify(c.unit)} ${c.kind} -> ${c.want}`, () => {
      assert.deepEqual(translateMetricName(c.name, c.unit, c.kind, c.strategy), { name: c.want });
    });
  }
  const bad: { name: string; strategy: OtlpTranslationStrategy; want: string }[] = [
    { name: '', strategy: WITHOUT, want: 'metric without a name' },
    { name: '', strategy: 'NoTranslation', want: 'metric without a name' },
    { name: '@#$%', strategy: WITHOUT, want: 'metric name "@#$%" translates to an empty name' },
    { name: '@#$%', strategy: WITH, want: 'metric name "@#$%" translates to an empty name' },
    { name: '.__.', strategy: WITHOUT, want: 'metric name ".__." translates to the invalid name "__"' },
  ];
  for (const c of bad) {
    it(`${c.strategy}: ${JSON.stringify(c.name)} is rejected`, () => {
      assert.deepEqual(translateMetricName(c.name, '', 'gauge', c.strategy), { error: c.want });
    });
  }
});

describe('translateLabelName', () => {
  // Rows from otlptranslator's label_namer_test.go.
  const cases: [string, string][] = [
    ['http.method', 'http_method'],
    ['123invalid', 'key_123invalid'],
    ['__reserved__', '__reserved__'],
    ['_private', 'key_private'],
    ['label:with:colons', 'label_with_colons'],
    ['label-dash', 'label_dash'],
    ['ünïcode', 'key_n_code'],
    ['valid_name', 'valid_name'],
  ];
  for (const [key, want] of cases) it(`${JSON.stringify(key)} -> ${want}`, () => assert.deepEqual(translateLabelName(key, WITHOUT), { name: want }));
  it('NoTranslation keeps the key', () => assert.deepEqual(translateLabelName('a.b', 'NoTranslation'), { name: 'a.b' }));
  it('rejects the empty key and keys that become only underscores', () => {
    assert.deepEqual(translateLabelName('', WITHOUT), { error: 'attribute with an empty key' });
    assert.deepEqual(translateLabelName('..', WITHOUT), { error: 'attribute key ".." translates to the invalid label name "__"' });
  });
});

describe('number formatting', () => {
  const plain: [number, string][] = [
    [0, '0'],
    [-0, '-0'],
    [0.25, '0.25'],
    [1e-7, '0.0000001'],
    [1.5e-7, '0.00000015'],
    [1e21, '1000000000000000000000'],
    [-1.25e22, '-12500000000000000000000'],
    [123456.789, '123456.789'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
    [NaN, 'NaN'],
  ];
  for (const [v, want] of plain) it(`formatFloatPlain(${v}) = ${want} (Go FormatFloat 'f', -1)`, () => assert.equal(formatFloatPlain(v), want));
  it('formatAttributeDouble follows pdata AsString()', () => {
    assert.equal(formatAttributeDouble(1e21), '1e+21');
    assert.equal(formatAttributeDouble(1e-7), '1e-7');
    assert.equal(formatAttributeDouble(0.1), '0.1');
    assert.equal(formatAttributeDouble(NaN), 'json: unsupported value: NaN');
  });
  it('nanoseconds to milliseconds is exact beyond 2^53', () => {
    // 1700000000999999999 ns would round up to ...001000 ms through a double.
    assert.equal(nanosStringToMillis('1700000000999999999'), 1700000000999);
    const big = 1700000000999999999n;
    assert.equal(nanosHalvesToMillis(Number(big >> 32n), Number(big & 0xffffffffn)), 1700000000999);
    assert.equal(nanosHalvesToMillis(0xffffffff, 0xffffffff), Number(0xffffffffffffffffn / 1000000n));
    assert.equal(nanosStringToMillis('999999'), 0);
    assert.equal(nanosStringToMillis('18446744073709551616'), undefined);
    assert.equal(nanosStringToMillis('1e18'), undefined);
  });
});
