/** OpenTSDB /api/put parser throughput: `node bench/opentsdb-parse.ts`, or benchOpenTsdbParse() from `npm run bench`. */
import { parseOpenTsdbPut } from '../lib/ingest/opentsdb/parse.ts';
import { isMain, measure, type ParseFigure } from './parse-throughput.ts';

function makeBody(n: number): Uint8Array {
  const items: string[] = [];
  for (let i = 0; i < n; i++) {
    items.push(`{"metric":"sys.cpu.user","timestamp":${1_700_000_000 + (i >> 10)},"value":${(Math.random() * 100).toFixed(3)},"tags":{"host":"web${i % 1024}","dc":"lga"}}`);
  }
  return new TextEncoder().encode('[' + items.join(',') + ']');
}

/** One array of `n` datapoints (1M by default). */
export function benchOpenTsdbParse(n = 1_000_000): ParseFigure[] {
  const body = makeBody(n);
  return [measure('opentsdb array of datapoints', body.length, () => parseOpenTsdbPut(body, { now: 0 }))];
}

if (isMain(import.meta.url)) benchOpenTsdbParse();
