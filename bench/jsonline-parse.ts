/** JSON lines parser throughput: `node bench/jsonline-parse.ts`, or benchJsonlineParse() from `npm run bench`. */
import { parseJsonLines } from '../lib/ingest/jsonline/parse.ts';
import { isMain, measure, type ParseFigure } from './parse-throughput.ts';

function body(lines: number, perLine: number): Uint8Array {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    const values: string[] = [];
    const ts: number[] = [];
    for (let j = 0; j < perLine; j++) {
      values.push(j % 50 === 0 ? 'null' : String(Math.round(Math.random() * 1e6) / 100));
      ts.push(1_700_000_000_000 + j * 15_000);
    }
    out.push(`{"metric":{"__name__":"node_cpu_seconds_total","instance":"host-${i % 500}:9100","job":"node","cpu":"${i % 64}","mode":"user"},"values":[${values.join(',')}],"timestamps":[${ts.join(',')}]}`);
  }
  return new TextEncoder().encode(out.join('\n') + '\n');
}

/** 100 samples per line and 1 sample per line, `samples` each (1M by default). */
export function benchJsonlineParse(samples = 1_000_000): ParseFigure[] {
  const figures: ParseFigure[] = [];
  const wide = body(Math.ceil(samples / 100), 100);
  figures.push(measure('jsonline 100 samples/line', wide.length, () => parseJsonLines(wide)));
  const narrow = body(samples, 1);
  figures.push(measure('jsonline 1 sample/line', narrow.length, () => parseJsonLines(narrow)));
  return figures;
}

if (isMain(import.meta.url)) benchJsonlineParse();
