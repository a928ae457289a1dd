/** JSON lines parser throughput: `node bench/jsonline-parse.ts`. */
import { parseJsonLines } from '../lib/ingest/jsonline/parse.ts';
import { measure } from './parse-throughput.ts';

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

const wide = body(10_000, 100);
measure('jsonline 100 samples/line', wide.length, () => parseJsonLines(wide));
const narrow = body(1_000_000, 1);
measure('jsonline 1 sample/line', narrow.length, () => parseJsonLines(narrow));
