/** CSV parser throughput: `node bench/csv-parse.ts`, or benchCsvParse() from `npm run bench`. */
import { parseCsvFormat } from '../lib/ingest/csv/format.ts';
import { parseCsv } from '../lib/ingest/csv/parse.ts';
import { isMain, measure, type ParseFigure } from './parse-throughput.ts';

function body(rows: number): Uint8Array {
  const out: string[] = [];
  for (let i = 0; i < rows; i++) {
    out.push(`host-${i % 1000},"eu-west-1",${(Math.random() * 100).toFixed(2)},${Math.round(Math.random() * 1e9)},${1_700_000_000_000 + i * 1000}`);
  }
  return new TextEncoder().encode(out.join('\n') + '\n');
}

/** Two cases of `rows` rows x 2 metrics (1M samples by default). */
export function benchCsvParse(rows = 500_000): ParseFigure[] {
  const figures: ParseFigure[] = [];
  const msBody = body(rows);
  const columns = parseCsvFormat('1:label:host,2:label:region,3:metric:cpu,4:metric:mem,5:time:unix_ms');
  figures.push(measure('csv unix_ms, 2 metrics/row', msBody.length, () => parseCsv(msBody, { columns, now: 0 })));
  const rfc = new TextEncoder().encode(
    Array.from({ length: rows }, (_, i) => `host-${i % 1000},${new Date(1_700_000_000_000 + i * 1000).toISOString()},${i % 97},${i % 89}`).join('\n'),
  );
  const rfcColumns = parseCsvFormat('1:label:host,2:time:rfc3339,3:metric:a,4:metric:b');
  figures.push(measure('csv rfc3339, 2 metrics/row', rfc.length, () => parseCsv(rfc, { columns: rfcColumns, now: 0 })));
  return figures;
}

if (isMain(import.meta.url)) benchCsvParse();
