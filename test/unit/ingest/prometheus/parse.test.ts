import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseExposition, parsePrometheusText } from '../../../../lib/ingest/prometheus/parse.ts';
import type { ExpositionOptions } from '../../../../lib/ingest/prometheus/parse.ts';
import { formatSeries, labelSetProblem } from '../../../../lib/model/labels.ts';

const DATA_DIR = new URL('../../../fixtures/exposition/', import.meta.url).pathname;
const NOW = 1_700_000_000_000;

/** The parsed series as `name{labels} value @timestamp` strings. */
function render(input: string, opts: Partial<ExpositionOptions> = {}): string[] {
  const r = parseExposition(input, { defaultTimestamp: NOW, ...opts });
  return r.series.map((s) => `${formatSeries(s.labels)} ${s.samples[0]!.value} @${s.samples[0]!.timestamp}`);
}

function errorsOf(input: string, opts: Partial<ExpositionOptions> = {}): string[] {
  return parseExposition(input, { defaultTimestamp: NOW, ...opts }).errors.map((e) => `line ${e.line}: ${e.reason}`);
}

describe('parseExposition on real /metrics bodies', () => {
  const files = readdirSync(DATA_DIR).filter((f) => f.endsWith('.prom'));
  it('has bodies to test', () => assert.ok(files.length >= 4));
  for (const file of files) {
    const body = readFileSync(`${DATA_DIR}/${file}`);
    const lines = body.toString('utf8').split('\n');
    const sampleLines = lines.filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));

    it(`${file}: one series per sample line, no errors`, () => {
      const r = parseExposition(body, { defaultTimestamp: NOW });
      assert.deepEqual(r.errors, []);
      assert.equal(r.series.length, sampleLines.length);
    });

    it(`${file}: names, values and label sets match an independent reading`, () => {
      const r = parseExposition(body, { defaultTimestamp: NOW });
      sampleLines.forEach((line, i) => {
        const s = r.series[i]!;
        const name = line.split(/[{ ]/)[0];
        assert.equal(s.labels.find((l) => l.name === '__name__')?.value, name, line);
        const value = line.slice(line.lastIndexOf(' ') + 1);
        const want = value === '+Inf' ? Infinity : value === '-Inf' ? -Infinity : Number(value);
        assert.ok(Object.is(s.samples[0]!.value, want) || (Number.isNaN(want) && Number.isNaN(s.samples[0]!.value)), line);
        assert.equal(s.samples[0]!.timestamp, NOW);
        assert.equal(labelSetProblem(s.labels), undefined, line);
      });
    });

    it(`${file}: metadata for every family named in HELP or TYPE`, () => {
      const names = new Set(lines.filter((l) => /^# (HELP|TYPE) /.test(l)).map((l) => l.split(' ')[2]));
      const r = parseExposition(body, { defaultTimestamp: NOW });
      assert.deepEqual(new Set(r.metadata.map((m) => m.metricFamilyName)), names);
    });
  }

  it('reads summary and counter metadata of node_exporter', () => {
    const r = parseExposition(readFileSync(`${DATA_DIR}/node_exporter-1.5.0.prom`), { defaultTimestamp: NOW });
    const gc = r.metadata.find((m) => m.metricFamilyName === 'go_gc_duration_seconds');
    assert.deepEqual(gc, {
      type: 'SUMMARY',
      metricFamilyName: 'go_gc_duration_seconds',
      help: 'A summary of the pause duration of garbage collection cycles.',
      unit: '',
    });
  });
});

describe('parseExposition quirks', () => {
  const table: { name: string; input: string; opts?: Partial<ExpositionOptions>; want: string[] }[] = [
    { name: 'label value escapes', input: 'a{b="x\\\\y\\"z\\nw"} 1\n', want: ['a{b="x\\\\y\\"z\\nw"} 1 @' + NOW] },
    { name: 'unknown escape kept as written', input: 'a{b="\\t\\x"} 1\n', want: ['a{b="\\\\t\\\\x"} 1 @' + NOW] },
    { name: 'escape at value start and end', input: 'a{b="\\"",c="\\\\"} 1\n', want: ['a{b="\\"",c="\\\\"} 1 @' + NOW] },
    { name: '# inside a label value', input: 'a{b="x # y"} 1\n', want: ['a{b="x # y"} 1 @' + NOW] },
    { name: 'NaN', input: 'a NaN\n', want: ['a{} NaN @' + NOW] },
    { name: '+Inf and -Inf', input: 'a +Inf\nb -Inf\n', want: ['a{} Infinity @' + NOW, 'b{} -Infinity @' + NOW] },
    { name: 'Go float syntax', input: 'a 1.5e3\nb 0x1p-2\nc .5\n', want: ['a{} 1500 @' + NOW, 'b{} 0.25 @' + NOW, 'c{} 0.5 @' + NOW] },
    { name: 'text timestamp in milliseconds', input: 'a 1 1600000000123\n', want: ['a{} 1 @1600000000123'] },
    { name: 'negative text timestamp', input: 'a 1 -5\n', want: ['a{} 1 @-5'] },
    {
      name: 'text timestamps are always milliseconds (VictoriaMetrics guesses seconds below 2^31)',
      input: 'a 1 1600000000\n',
      want: ['a{} 1 @1600000000'],
    },
    {
      name: 'OpenMetrics timestamp in seconds with fraction',
      input: 'a 1 1600000000.5\nb 2 1.25\n# EOF\n',
      opts: { openMetrics: true },
      want: ['a{} 1 @1600000000500', 'b{} 2 @1250'],
    },
    { name: 'OpenMetrics timestamp truncated like Prometheus', input: 'a 1 0.0019\n# EOF\n', opts: { openMetrics: true }, want: ['a{} 1 @1'] },
    {
      name: 'OpenMetrics exemplar skipped',
      input: 'a_bucket{le="1"} 3 # {trace_id="a#b",span="}"} 0.5 1600000000.1\na_count 4 1.5 # {trace_id="x"} 1.0\n# EOF\n',
      opts: { openMetrics: true },
      want: ['a_bucket{le="1"} 3 @' + NOW, 'a_count{} 4 @1500'],
    },
    { name: 'text trailing comment skipped (VictoriaMetrics)', input: 'a 1 # note\nb 2 5 # note\n', want: ['a{} 1 @' + NOW, 'b{} 2 @5'] },
    { name: 'CRLF line ends', input: 'a 1\r\nb{c="d"} 2\r\n', want: ['a{} 1 @' + NOW, 'b{c="d"} 2 @' + NOW] },
    { name: 'leading and trailing blanks and tabs', input: '  \ta 1 \t\n\t b 2\t5 \r\n', want: ['a{} 1 @' + NOW, 'b{} 2 @5'] },
    { name: 'several blanks between tokens', input: 'a{b="1"}   2 \t 3\n', want: ['a{b="1"} 2 @3'] },
    { name: 'blanks inside the label set', input: 'a{ b = "1" ,\tc="2" } 3\n', want: ['a{b="1",c="2"} 3 @' + NOW] },
    { name: 'blank between name and {', input: 'a {b="1"} 3\n', want: ['a{b="1"} 3 @' + NOW] },
    { name: 'no blank after }', input: 'a{b="1"}3\n', want: ['a{b="1"} 3 @' + NOW] },
    { name: 'trailing comma in the label set', input: 'a{b="1",} 3\n', want: ['a{b="1"} 3 @' + NOW] },
    { name: 'empty label set', input: 'a{} 3\n', want: ['a{} 3 @' + NOW] },
    { name: 'empty label value dropped', input: 'a{b="",c="1"} 3\n', want: ['a{c="1"} 3 @' + NOW] },
    { name: 'labels sorted', input: 'a{z="1",b="2",A="3"} 3\n', want: ['a{A="3",b="2",z="1"} 3 @' + NOW] },
    { name: 'colon in metric name', input: 'job:rate:5m 3\n', want: ['job:rate:5m{} 3 @' + NOW] },
    { name: 'missing final newline', input: 'a 1\nb 2', want: ['a{} 1 @' + NOW, 'b{} 2 @' + NOW] },
    { name: 'blank lines and comments', input: '\n\n# hello\n  # HELP a x\na 1\n\n', want: ['a{} 1 @' + NOW] },
    { name: 'UTF-8 label value', input: 'a{b="ünï ✓ 𝄞"} 1\n', want: ['a{b="ünï ✓ 𝄞"} 1 @' + NOW] },
    { name: 'text # EOF is an ordinary comment', input: 'a 1\n# EOF\nb 2\n', want: ['a{} 1 @' + NOW, 'b{} 2 @' + NOW] },
    { name: '_created is an ordinary series by default', input: '# TYPE a counter\na_total 1\na_created 1600000000\n# EOF\n', opts: { openMetrics: true }, want: ['a_total{} 1 @' + NOW, 'a_created{} 1600000000 @' + NOW] },
    {
      name: 'dropCreatedSeries drops _created of counters, summaries and histograms only',
      input:
        '# TYPE a counter\na_total 1\na_created 16\n# TYPE g gauge\ng_created 2\n# TYPE h histogram\nh_count 1\nh_created 16\n# TYPE s summary\ns_created 1\n# EOF\n',
      opts: { openMetrics: true, dropCreatedSeries: true },
      want: ['a_total{} 1 @' + NOW, 'g_created{} 2 @' + NOW, 'h_count{} 1 @' + NOW],
    },
    {
      name: 'dropCreatedSeries ignored in text 0.0.4',
      input: '# TYPE a counter\na_created 16\n',
      opts: { dropCreatedSeries: true },
      want: ['a_created{} 16 @' + NOW],
    },
    { name: 'honorTimestamps false uses the default', input: 'a 1 5\n', opts: { honorTimestamps: false }, want: ['a{} 1 @' + NOW] },
  ];
  for (const { name, input, opts, want } of table) {
    it(name, () => {
      assert.deepEqual(errorsOf(input, opts), []);
      assert.deepEqual(render(input, opts), want);
    });
  }

  it('decodes a byte body as UTF-8 and strips a BOM', () => {
    const r = parseExposition(new TextEncoder().encode('\ufeffa{b="é"} 1\n'), { defaultTimestamp: NOW });
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.series[0]!.labels, [{ name: '__name__', value: 'a' }, { name: 'b', value: 'é' }]);
  });

  it('counts explicit timestamps whether honoured or not', () => {
    assert.equal(parseExposition('a 1 5\nb 2\nc 3 6\n', { defaultTimestamp: NOW }).explicitTimestamps, 2);
    assert.equal(parseExposition('a 1 5\n', { defaultTimestamp: NOW, honorTimestamps: false }).explicitTimestamps, 1);
  });
});

describe('parseExposition line errors', () => {
  const table: { name: string; input: string; opts?: Partial<ExpositionOptions>; want: string }[] = [
    { name: 'duplicate label name', input: 'a{b="1",b="2"} 1', want: 'line 1: duplicate label name "b"' },
    { name: 'duplicate label name where one value is empty', input: 'a{b="",b="2"} 1', want: 'line 1: duplicate label name "b"' },
    { name: '__name__ inside the label set too', input: 'a{__name__="x"} 1', want: 'line 1: duplicate label name "__name__"' },
    { name: 'metric name starting with a digit', input: '1abc 1', want: 'line 1: invalid metric name "1abc"' },
    { name: 'metric name with a dash', input: 'a-b 1', want: 'line 1: invalid metric name "a-b"' },
    { name: 'label set without a metric name', input: '{b="1"} 1', want: 'line 1: missing metric name before "{"' },
    { name: 'missing value', input: 'a', want: 'line 1: missing value for metric "a"' },
    { name: 'missing value after labels', input: 'a{b="1"}  ', want: 'line 1: missing value for metric "a"' },
    { name: 'invalid value', input: 'a abc', want: 'line 1: invalid value "abc"' },
    { name: 'invalid timestamp', input: 'a 1 abc', want: 'line 1: invalid timestamp "abc"' },
    { name: 'fractional timestamp in text 0.0.4', input: 'a 1 1.5', want: 'line 1: invalid timestamp "1.5"' },
    { name: 'timestamp beyond the safe integer range', input: 'a 1 99999999999999999999', want: 'line 1: invalid timestamp "99999999999999999999"' },
    { name: 'Inf timestamp in OpenMetrics', input: 'a 1 +Inf\n# EOF', opts: { openMetrics: true }, want: 'line 1: invalid timestamp "+Inf"' },
    { name: 'text after the timestamp', input: 'a 1 2 3', want: 'line 1: unexpected text after timestamp: "3"' },
    { name: 'invalid label name', input: 'a{1b="x"} 1', want: 'line 1: invalid label name "1b=\\"x\\"}"' },
    { name: 'quoted label name', input: 'a{"b"="x"} 1', want: 'line 1: quoted names are not supported' },
    { name: 'missing =', input: 'a{b "x"} 1', want: 'line 1: expected "=" after label name "b"' },
    { name: 'unquoted label value', input: 'a{b=x} 1', want: 'line 1: expected a quoted value for label "b"' },
    { name: 'missing closing quote', input: 'a{b="x} 1', want: 'line 1: missing closing quote for the value of label "b"' },
    { name: 'missing closing quote after an escape', input: 'a{b="x\\"} 1', want: 'line 1: missing closing quote for the value of label "b"' },
    { name: 'backslash at the line end', input: 'a{b="x\\', want: 'line 1: missing closing quote for the value of label "b"' },
    { name: 'missing comma', input: 'a{b="1" c="2"} 1', want: 'line 1: expected "," or "}" after the value of label "b"' },
    { name: 'missing }', input: 'a{b="1", 1', want: 'line 1: invalid label name "1"' },
    { name: 'label set cut at the line end', input: 'a{b="1",', want: 'line 1: missing "}" at the end of the label set' },
    { name: 'unknown TYPE', input: '# TYPE a countr', want: 'line 1: invalid metric type "countr"' },
    { name: 'TYPE without a type', input: '# TYPE a', want: 'line 1: invalid metric type ""' },
    { name: 'HELP without a metric name', input: '# HELP', want: 'line 1: invalid metric name in HELP line' },
    { name: 'TYPE with an invalid metric name', input: '# TYPE a-b counter', want: 'line 1: invalid metric name in TYPE line' },
    {
      name: 'content after # EOF in OpenMetrics',
      input: 'a 1\n# EOF\n\nb 2\nc 3',
      opts: { openMetrics: true },
      want: 'line 4: unexpected content after "# EOF"',
    },
    { name: 'OpenMetrics body without # EOF', input: 'a 1\nb 2\n', opts: { openMetrics: true }, want: 'line 3: missing "# EOF" at the end of the OpenMetrics body' },
  ];
  for (const { name, input, opts, want } of table) {
    it(name, () => assert.deepEqual(errorsOf(input, opts), [want]));
  }

  it('reports the right line among good ones and keeps the good ones', () => {
    const body = '# HELP a x\na 1\n\nb{c="1"} 2\nbad line here\nd 4\r\nd{x="y",x="z"} 5\n';
    const r = parseExposition(body, { defaultTimestamp: NOW });
    assert.deepEqual(
      r.errors.map((e) => [e.line, e.reason, e.excerpt]),
      [
        [5, 'invalid value "line"', '"bad line here"'],
        [7, 'duplicate label name "x"', '"d{x=\\"y\\",x=\\"z\\"} 5"'],
      ],
    );
    assert.deepEqual(render(body), ['a{} 1 @' + NOW, 'b{c="1"} 2 @' + NOW, 'd{} 4 @' + NOW]);
  });

  it('stops at content after # EOF (OpenMetrics) but keeps what came before', () => {
    const r = parseExposition('a 1\n# EOF\nb 2\n', { defaultTimestamp: NOW, openMetrics: true });
    assert.equal(r.series.length, 1);
    assert.equal(r.errors.length, 1);
  });

  it('accepts blank lines after # EOF', () => {
    assert.deepEqual(errorsOf('a 1\n# EOF\n\n  \n', { openMetrics: true }), []);
  });

  it('quotes at most about 200 bytes of a long bad line', () => {
    const long = 'a{b="' + 'x'.repeat(10_000) + '"} nope';
    const [e] = parseExposition(long, { defaultTimestamp: NOW }).errors;
    assert.ok(e!.excerpt.length < 220, `${e!.excerpt.length}`);
    assert.match(e!.reason, /^invalid value "nope"$/);
  });

  it('cuts a long bad token in the reason', () => {
    const [e] = parseExposition('a ' + 'z'.repeat(5000), { defaultTimestamp: NOW }).errors;
    assert.ok(e!.reason.length < 100, e!.reason);
  });
});

describe('metadata', () => {
  it('collects HELP, TYPE and UNIT in order of first mention', () => {
    const body = '# HELP b_total Bees.\n# TYPE b_total counter\n# TYPE a gauge\n# UNIT a seconds\n# HELP a Line\\nbreak \\\\ and \\"q\\"\n';
    const r = parseExposition(body, { defaultTimestamp: NOW });
    assert.deepEqual(r.metadata, [
      { type: 'COUNTER', metricFamilyName: 'b_total', help: 'Bees.', unit: '' },
      { type: 'GAUGE', metricFamilyName: 'a', help: 'Line\nbreak \\ and \\"q\\"', unit: 'seconds' },
    ]);
  });

  it('unescapes \\" in OpenMetrics HELP', () => {
    const r = parseExposition('# HELP a say \\"hi\\"\n# EOF\n', { defaultTimestamp: NOW, openMetrics: true });
    assert.equal(r.metadata[0]!.help, 'say "hi"');
  });

  it('maps every TYPE word', () => {
    const words = ['counter', 'gauge', 'histogram', 'summary', 'untyped', 'unknown', 'gaugehistogram', 'info', 'stateset'];
    const body = words.map((w, i) => `# TYPE m${i} ${w}\n`).join('');
    const r = parseExposition(body, { defaultTimestamp: NOW });
    assert.deepEqual(r.errors, []);
    assert.deepEqual(
      r.metadata.map((m) => m.type),
      ['COUNTER', 'GAUGE', 'HISTOGRAM', 'SUMMARY', 'UNKNOWN', 'UNKNOWN', 'GAUGEHISTOGRAM', 'INFO', 'STATESET'],
    );
  });

  it('ignores comments without collectMetadata, as VictoriaMetrics does', () => {
    const r = parseExposition('# TYPE a nonsense\n# HELP\na 1\n', { defaultTimestamp: NOW, collectMetadata: false });
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.metadata, []);
    assert.equal(r.series.length, 1);
  });
});

describe('parsePrometheusText', () => {
  it('returns series and errors only, and ignores comments', () => {
    const r = parsePrometheusText('# TYPE a nonsense\na 1\nb x\n', { defaultTimestamp: 7 });
    assert.deepEqual(Object.keys(r).sort(), ['errorCount', 'errors', 'series']);
    assert.equal(r.errorCount, 1);
    assert.deepEqual(r.series, [{ labels: [{ name: '__name__', value: 'a' }], samples: [{ value: 1, timestamp: 7 }] }]);
    assert.deepEqual(r.errors, [{ line: 3, reason: 'invalid value "x"', excerpt: '"b x"' }]);
  });

  it('reads OpenMetrics timestamps in seconds when asked', () => {
    const r = parsePrometheusText('a 1 2\n# EOF\n', { defaultTimestamp: 7, openMetrics: true });
    assert.equal(r.series[0]!.samples[0]!.timestamp, 2000);
  });
});
