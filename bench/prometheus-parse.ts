/**
 * Prometheus text parsing throughput in samples per CPU-second (user + system time of process.cpuUsage(), so
 * GC helper threads count too), on node_exporter-1.5.0.prom (507 samples, 57 KB):
 * - 57 KB bodies: the file parsed again and again, results dropped at once (young-generation GC only);
 * - 4 MB bodies: the file repeated 70 times, about the largest body a Lambda request carries;
 * - one ~1M-sample body (114 MB): the file repeated to about one million samples in one call; GC-bound, since
 *   the whole result stays alive, far beyond any real request.
 * Each for the push path (comments ignored, as parsePrometheusText does) and the scrape path (HELP/TYPE
 * metadata collected). Run: ./node_modules/.bin/node bench/prometheus-parse.ts [path-to.prom]; `npm run bench`
 * calls benchPrometheusParse().
 *
 * Recorded 2026-11-21 on the 2-vCPU build machine, Node 22.23 (best of 3, runs vary by about 20%):
 *   push path:   57 KB bodies 3.3M, 4 MB bodies 1.0-1.4M, one 114 MB body 0.45-0.55M samples per CPU-second
 *   scrape path: 57 KB bodies 1.4-1.6M, 4 MB bodies 0.7M, one 114 MB body 0.65M samples per CPU-second
 * Large bodies are bound by garbage collection of the result (about 350 bytes of objects per sample).
 */
import { readFileSync } from 'node:fs';
import { parseExposition, parsePrometheusTextBatch } from '../lib/ingest/prometheus/parse.ts';
import { isMain, type ParseFigure } from './parse-throughput.ts';

const TARGET_SAMPLES = 1_000_000;
const LAMBDA_BODY_COPIES = 70;
const ROUNDS = 3;

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Best of ROUNDS after a warm-up, so the figure is about steady-state code, not the first compilation. */
function measure(name: string, parse: () => number): ParseFigure {
  parse();
  let best = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const t0 = cpuSeconds();
    const samples = parse();
    best = Math.max(best, samples / (cpuSeconds() - t0));
  }
  console.log(`${name.padEnd(48)} ${Math.round(best).toLocaleString('en-US').padStart(11)} samples per CPU-second`);
  return { name: `prometheus text ${name}`, samplesPerCpuSecond: best };
}

function repeatedly(body: Buffer, times: number, collectMetadata: boolean): () => number {
  return () => {
    let n = 0;
    for (let i = 0; i < times; i++) n += parseExposition(body, { defaultTimestamp: 1, collectMetadata }).series.length;
    return n;
  };
}

/** The push and scrape paths over `file` (node_exporter-1.5.0.prom by default); `big` adds the ~1M-sample body. */
export function benchPrometheusParse(file = new URL('../test/fixtures/exposition/node_exporter-1.5.0.prom', import.meta.url).pathname, big = true): ParseFigure[] {
  const one = readFileSync(file);
  const perCopy = parseExposition(one, { defaultTimestamp: 0 }).series.length;
  const copies = Math.ceil(TARGET_SAMPLES / perCopy);
  const text = one.toString('utf8');
  const lambdaBody = Buffer.from(text.repeat(LAMBDA_BODY_COPIES));
  const bigBody = big ? Buffer.from(text.repeat(copies)) : undefined;
  const figures: ParseFigure[] = [];
  // The import route's parser: the same push path, into a FloatBatch (no objects per sample), from bytes as the
  // route gets them (byte-lines.ts reads the common lines without decoding the body).
  figures.push(
    measure('push path into a batch (the import route), 4 MB bodies', () => {
      let n = 0;
      for (let i = 0; i < Math.ceil(copies / LAMBDA_BODY_COPIES); i++) n += parsePrometheusTextBatch(lambdaBody, { defaultTimestamp: 1 }).batch.length;
      return n;
    }),
  );
  for (const collectMetadata of [false, true]) {
    const path = collectMetadata ? 'scrape path' : 'push path';
    figures.push(measure(`${path}, 57 KB bodies`, repeatedly(one, copies, collectMetadata)));
    figures.push(measure(`${path}, 4 MB bodies`, repeatedly(lambdaBody, Math.ceil(copies / LAMBDA_BODY_COPIES), collectMetadata)));
    if (bigBody) figures.push(measure(`${path}, one ${(bigBody.length / 1e6).toFixed(0)} MB body`, repeatedly(bigBody, 1, collectMetadata)));
  }
  return figures;
}

if (isMain(import.meta.url)) benchPrometheusParse(process.argv[2]);
