/** Influx line protocol parser throughput: `node bench/influx-parse.ts`, or benchInfluxParse() from `npm run bench`. */
import { parseInfluxBatch, parseInfluxLines } from '../lib/ingest/influx/parse.ts';
import { isMain, measure, type ParseFigure } from './parse-throughput.ts';

/** Bodies of 10,000 lines x 5 fields (1 MB), the requests `npm run bench` pushes end to end. */
export function benchInfluxParse(): ParseFigure[] {
  let s = '';
  for (let i = 0; i < 10_000; i++) {
    s += `bench,host=host-${i % 1000},region=r${i % 7},team=t${i % 13} f1=${i % 97},f2=${(i * 1.5) % 1000},f3=${i % 3}i,f4=${(i % 101) / 7},f5=${i} ${1_700_000_000 + Math.floor(i / 1000)}000000000\n`;
  }
  const opts = { now: 0, precision: 'ns' as const, extraLabels: [{ name: 'db', value: 'bench' }], maxLineLength: 262_144 };
  // The route parses the body's bytes into a FloatBatch; `series` here is only its sample count (no objects are built).
  const bytes = Buffer.from(s);
  const asBatch = () => ({ series: [{ labels: [], samples: { length: parseInfluxBatch(bytes, opts).batch.length } as never }] });
  return [measure('influx 10k lines x 5 fields', Buffer.byteLength(s), () => parseInfluxLines(s, opts)), measure('influx 10k lines x 5 fields, into a batch (the route)', Buffer.byteLength(s), asBatch)];
}

if (isMain(import.meta.url)) benchInfluxParse();
