import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseInfluxLines, parseInfluxPrecision, timestampToMs, type InfluxPrecision } from '../../../../lib/ingest/influx/parse.ts';
import { formatSeries, normalizeLabels } from '../../../../lib/model/labels.ts';

const NOW = 1_700_000_000_000;

function parse(body: string, precision: InfluxPrecision = 'ns', extra: { name: string; value: string }[] = []) {
  return parseInfluxLines(body, { now: NOW, precision, extraLabels: extra, maxLineLength: 1000 });
}

/** `name{labels} value timestamp` per sample, labels sorted: easy to compare. */
function rows(body: string, precision: InfluxPrecision = 'ns'): string[] {
  const r = parse(body, precision);
  assert.deepEqual(r.errors, []);
  return r.series.flatMap((s) => s.samples.map((x) => `${formatSeries(normalizeLabels([...s.labels]))} ${x.value} ${x.timestamp}`));
}

describe('influx line protocol parser', () => {
  const cases: { name: string; input: string; precision?: InfluxPrecision; want: string[] }[] = [
    { name: 'one field, tags, ns timestamp', input: 'cpu,host=a,region=eu usage=1.5 1700000000123456789', want: ['cpu_usage{host="a",region="eu"} 1.5 1700000000123'] },
    { name: 'several fields become several series', input: 'mem free=1i,used=2u,ok=t,bad=F', want: [`mem_free{} 1 ${NOW}`, `mem_used{} 2 ${NOW}`, `mem_ok{} 1 ${NOW}`, `mem_bad{} 0 ${NOW}`] },
    { name: 'string fields carry no sample', input: 'log msg="a b, c=d",n=3 5000000', want: ['log_n{} 3 5'] },
    { name: 'escaped quote and backslash in string field', input: 'log msg="say \\"hi\\" \\\\",n=1 1000000', want: ['log_n{} 1 1'] },
    { name: 'escaped comma, space and equals in tags', input: 'cpu,ho\\ st=a\\,b\\=c v=1 1000000', want: ['cpu_v{ho st="a,b=c"} 1 1'] },
    { name: 'escaped comma and space in measurement', input: 'my\\ cpu\\,x v=1 1000000', want: ['{__name__="my cpu,x_v"} 1 1'] },
    { name: 'CRLF line endings', input: 'a v=1 1000000\r\nb v=2 2000000\r\n', want: ['a_v{} 1 1', 'b_v{} 2 2'] },
    { name: 'comments and blank lines', input: '# comment\n\n  \na v=1 1000000\n', want: ['a_v{} 1 1'] },
    { name: 'booleans in every spelling', input: 'b a=true,b=True,c=TRUE,d=f,e=false,f=False,g=FALSE,h=T 1000000', want: ['b_a{} 1 1', 'b_b{} 1 1', 'b_c{} 1 1', 'b_d{} 0 1', 'b_e{} 0 1', 'b_f{} 0 1', 'b_g{} 0 1', 'b_h{} 1 1'] },
    { name: 'float forms', input: 'f a=-1.5e3,b=.5,c=1.,d=+2 1000000', want: ['f_a{} -1500 1', 'f_b{} 0.5 1', 'f_c{} 1 1', 'f_d{} 2 1'] },
    { name: 'negative integer and timestamp', input: 'n v=-7i -1000000', want: ['n_v{} -7 -1'] },
    { name: 'precision s', input: 'a v=1 1700000000', precision: 's', want: ['a_v{} 1 1700000000000'] },
    { name: 'precision ms', input: 'a v=1 1700000000123', precision: 'ms', want: ['a_v{} 1 1700000000123'] },
    { name: 'precision us', input: 'a v=1 1700000000123456', precision: 'us', want: ['a_v{} 1 1700000000123'] },
    { name: 'precision m', input: 'a v=1 2', precision: 'm', want: ['a_v{} 1 120000'] },
    { name: 'precision h', input: 'a v=1 2', precision: 'h', want: ['a_v{} 1 7200000'] },
    { name: 'nanoseconds past 2^53 keep their milliseconds exact', input: 'a v=1 9007199254740993999', want: ['a_v{} 1 9007199254740'] },
    { name: 'trailing spaces after timestamp', input: 'a v=1 1000000   ', want: ['a_v{} 1 1'] },
    { name: 'integers at the int64 and uint64 limits', input: 'l a=9223372036854775807i,b=-9223372036854775808i,c=18446744073709551615u,d=+0000000000000000000012i 1000000', want: ['l_a{} 9223372036854776000 1', 'l_b{} -9223372036854776000 1', 'l_c{} 18446744073709552000 1', 'l_d{} 12 1'] },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(rows(c.input, c.precision), c.want));
  }

  const bad: { name: string; input: string; want: string }[] = [
    { name: 'no fields', input: 'cpu', want: 'missing fields' },
    { name: 'tag without value', input: 'cpu,host v=1', want: 'missing tag value for tag key "host"' },
    { name: 'empty tag value', input: 'cpu,host= v=1', want: 'missing tag value for tag key "host"' },
    { name: 'field without value', input: 'cpu v=', want: 'missing field value for field "v"' },
    { name: 'non-numeric field', input: 'cpu v=abc', want: 'invalid field value "abc" for field "v"' },
    { name: 'unsigned with minus', input: 'cpu v=-1u', want: 'invalid field value "-1u"' },
    // InfluxDB answers "value out of range"; VictoriaMetrics skips the line too (found by the differential test).
    { name: 'integer past int64', input: 'cpu v=9223372036854775808i', want: 'invalid field value "9223372036854775808i"' },
    { name: 'integer below int64', input: 'cpu v=-9223372036854775809i', want: 'invalid field value "-9223372036854775809i"' },
    { name: 'unsigned past uint64', input: 'cpu v=18446744073709551616u', want: 'invalid field value "18446744073709551616u"' },
    { name: 'unterminated string', input: 'cpu s="abc', want: 'unterminated string field value' },
    { name: 'bad timestamp', input: 'cpu v=1 12x', want: 'invalid timestamp "12x"' },
    { name: 'empty field key', input: 'cpu =1', want: 'missing field key' },
    { name: 'missing measurement', input: ',a=b v=1', want: 'missing measurement' },
  ];
  for (const c of bad) {
    it(`reports ${c.name} with its line number`, () => {
      const r = parse(`ok v=1 1000000\n${c.input}\nok2 v=2 1000000`);
      assert.equal(r.errors.length, 1);
      assert.equal(r.errors[0]!.line, 2);
      assert.ok(r.errors[0]!.reason.includes(c.want), r.errors[0]!.reason);
      assert.equal(r.series.length, 2, 'the good lines around it are kept');
    });
  }

  it('rejects a line longer than max_line_length, and accepts one at the limit', () => {
    const atLimit = 'a v=1 ' + '1'.repeat(1000 - 6 - 12) + '000000000000';
    assert.equal(atLimit.length, 1000);
    const ok = parseInfluxLines(atLimit.replace(/1+0+$/, '1000000'), { now: NOW, precision: 'ns', maxLineLength: 1000 });
    assert.equal(ok.errors.length, 0);
    const exactly = parseInfluxLines('a v=' + '1'.repeat(996), { now: NOW, precision: 'ns', maxLineLength: 1000 });
    assert.equal(exactly.errors.length, 0);
    const over = parseInfluxLines('a v=' + '1'.repeat(997), { now: NOW, precision: 'ns', maxLineLength: 1000 });
    assert.match(over.errors[0]!.reason, /line of 1001 characters exceeds max_line_length=1000/);
  });

  it('adds extra labels (db) without overriding tags', () => {
    const r = parse('a,db=mine v=1 1000000\nb v=1 1000000', 'ns', [{ name: 'db', value: 'telegraf' }]);
    assert.deepEqual(r.series.map((s) => formatSeries(normalizeLabels(s.labels))), ['a_v{db="mine"}', 'b_v{db="telegraf"}']);
  });

  it('error excerpts are capped at about 200 bytes', () => {
    const r = parseInfluxLines('x'.repeat(900), { now: NOW, precision: 'ns', maxLineLength: 10000 });
    assert.ok(r.errors[0]!.excerpt.length < 220);
  });

  it('precision arguments of v1 and v2', () => {
    assert.equal(parseInfluxPrecision(null), 'ns');
    assert.equal(parseInfluxPrecision('u'), 'us');
    assert.equal(parseInfluxPrecision('µ'), 'us');
    assert.equal(parseInfluxPrecision('x'), undefined);
    assert.equal(timestampToMs('-1500000', 'ns'), -1);
    assert.equal(timestampToMs('99999999999999999999', 'ns'), undefined);
  });

  it('never throws on arbitrary input, and every line is either parsed or reported', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        const r = parseInfluxLines(s, { now: NOW, precision: 'ns', maxLineLength: 100 });
        for (const e of r.errors) assert.ok(e.line >= 1 && e.reason.length > 0);
        for (const ser of r.series) for (const x of ser.samples) assert.ok(Number.isFinite(x.value) && Number.isInteger(x.timestamp));
      }),
      { numRuns: 3000 },
    );
  });
});
