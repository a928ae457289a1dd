/** Graphite plaintext parser throughput: `node bench/graphite-parse.ts`, or benchGraphiteParse() from `npm run bench`. */
import { parseGraphite } from '../lib/ingest/graphite/parse.ts';
import { isMain, measure, type ParseFigure } from './parse-throughput.ts';

/** `n` lines (1M by default), half of them tagged. */
export function benchGraphiteParse(n = 1_000_000): ParseFigure[] {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const tags = i % 2 === 0 ? `;host=web${i % 1000};dc=lga` : '';
    lines.push(`servers.web${i % 1000}.cpu.user${tags} ${(Math.random() * 100).toFixed(3)} ${1_700_000_000 + (i >> 10)}`);
  }
  const body = new TextEncoder().encode(lines.join('\n') + '\n');
  return [measure('graphite plaintext lines', body.length, () => parseGraphite(body, { now: 0 }))];
}

if (isMain(import.meta.url)) benchGraphiteParse();
