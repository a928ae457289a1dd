import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileGoLayout } from '../../../../lib/ingest/csv/go-layout.ts';
import { parseGoTime } from '../../../../lib/ingest/csv/go-time.ts';

// Expected values: the instant Go's time.Parse(layout, value) yields, as Unix milliseconds (cross-checked with Date.UTC).
const good: Array<{ layout: string; input: string; want: number }> = [
  { layout: '2006-01-02T15:04:05Z07:00', input: '2015-08-10T20:04:40Z', want: 1439237080000 },
  { layout: '2006-01-02T15:04:05Z07:00', input: '2015-08-10T20:04:40.123+02:00', want: 1439229880123 },
  { layout: '2006-01-02T15:04:05Z07:00', input: '2015-08-10T20:04:40-01:30', want: 1439242480000 },
  { layout: '2006-01-02 15:04:05.999Z', input: '2015-08-10 20:04:40.123Z', want: 1439237080123 },
  { layout: '2006-01-02 15:04:05.999Z', input: '2015-08-10 20:04:40Z', want: 1439237080000 },
  { layout: '2006-01-02 15:04:05.000', input: '2020-06-09 04:24:32.016', want: 1591676672016 },
  { layout: '2006/01/02 15:04:05,000', input: '2020/06/09 04:24:32,016', want: 1591676672016 },
  { layout: '2006-01-02 15:04:05', input: '2020-06-09 04:24:32.9999', want: 1591676672999 },
  { layout: 'Jan _2 2006 3:04PM MST', input: 'Feb  3 2021 1:05PM CET', want: 1612357500000 },
  { layout: 'January 2, 2006 3:04:05 pm', input: 'august 10, 2015 12:04:40 am', want: 1439165080000 },
  { layout: 'Monday, 02-Jan-06 15:04:05 MST', input: 'Tuesday, 10-Aug-15 20:04:40 UTC', want: 1439237080000 },
  { layout: '02.01.06', input: '31.12.99', want: 946598400000 },
  { layout: '02.01.06', input: '01.01.68', want: 3092601600000 },
  { layout: '2006-002', input: '2020-060', want: 1582934400000 },
  { layout: '2006-01-02T15:04:05-0700', input: '2015-08-10T20:04:40+0200', want: 1439229880000 },
  { layout: '2006-01-02T15:04:05-07', input: '2015-08-10T20:04:40+02', want: 1439229880000 },
  { layout: '2006-01-02  15:04', input: '2015-08-10     20:04', want: 1439237040000 },
  { layout: '1/2/2006', input: '8/9/2015', want: 1439078400000 },
  { layout: '2006', input: '0001', want: -62135596800000 },
];

describe('parseGoTime: Go reference layouts', () => {
  for (const c of good) {
    it(`${c.layout} <- ${c.input}`, () => assert.equal(parseGoTime(compileGoLayout(c.layout), c.input), c.want));
  }
});

const bad: Array<{ layout: string; input: string; want: string }> = [
  { layout: '2006-01-02T15:04:05Z07:00', input: '2015-08-10T20:04:40', want: 'cannot parse "" as "Z07:00"' },
  { layout: '2006-01-02', input: '2015-13-10', want: 'month out of range' },
  { layout: '2006-01-02', input: '2015-02-30', want: 'day out of range' },
  { layout: '2006-01-02 15:04', input: '2015-02-03 24:00', want: 'hour out of range' },
  { layout: '2006-01-02 15:04', input: '2015-02-03 23:60', want: 'minute out of range' },
  { layout: '15:04:05', input: '23:59:60', want: 'second out of range' },
  { layout: '2006-01-02', input: '2015-02-03x', want: 'extra text: "x"' },
  { layout: '2006-01-02', input: '15-02-03', want: 'cannot parse "15-02-03" as "2006"' },
  { layout: '2006-01-02 15:04:05.000', input: '2015-02-03 01:02:03.12', want: 'cannot parse ".12" as ".000"' },
  { layout: 'Jan 2006', input: 'Foo 2006', want: 'cannot parse "Foo 2006" as "Jan"' },
  { layout: '3PM', input: '3XM', want: 'cannot parse "XM" as "PM"' },
  { layout: '2006-002', input: '2021-366', want: 'day-of-year out of range' },
  { layout: '2006 MST', input: '2006 cet', want: 'cannot parse "cet" as "MST"' },
  { layout: '2006-002 01', input: '2020-060 03', want: 'day-of-year does not match month' },
  { layout: '2006-002 02', input: '2020-060 28', want: 'day-of-year does not match day' },
  { layout: '2006 Z07:00', input: '2020 +25:00', want: 'cannot parse "+25:00" as "Z07:00"' },
  { layout: '2006-01-02 15:04:05.999', input: '2020-01-02 03:04:05.', want: 'extra text: "."' },
];

describe('parseGoTime: errors in Go words', () => {
  for (const c of bad) {
    it(`${c.layout} <- ${c.input}`, () => {
      const r = parseGoTime(compileGoLayout(c.layout), c.input);
      assert.equal(typeof r, 'string');
      assert.ok((r as string).includes(c.want), `${String(r)} lacks ${c.want}`);
    });
  }
});
