/** Graphite plaintext parser throughput: `node bench/graphite-parse.ts`. */
import { parseGraphite } from '../lib/ingest/graphite/parse.ts';
import { measure } from './parse-throughput.ts';

const lines: string[] = [];
for (let i = 0; i < 1_000_000; i++) {
  const tags = i % 2 === 0 ? `;host=web${i % 1000};dc=lga` : '';
  lines.push(`servers.web${i % 1000}.cpu.user${tags} ${(Math.random() * 100).toFixed(3)} ${1_700_000_000 + (i >> 10)}`);
}
const body = new TextEncoder().encode(lines.join('\n') + '\n');
measure('graphite plaintext lines', body.length, () => parseGraphite(body, { now: 0 }));
