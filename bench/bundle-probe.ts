/**
 * Runs in a fresh Node process for bench/bundles.ts: loads one bundle, times the module load and the first
 * invocation with a no-I/O event (where the lazily built clients and config are constructed), then invokes
 * it with a real sample event. Prints one JSON line.
 *   node bench/bundle-probe.ts <bundle/index.mjs> <warm-up event.json|-> <sample event.json|->
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const [bundle, initEventPath, sampleEventPath] = process.argv.slice(2) as [string, string, string];
const load = (p: string): unknown => (p === '-' ? {} : JSON.parse(readFileSync(p, 'utf8')));
const context = { getRemainingTimeInMillis: () => 30_000, functionName: 'bench', awsRequestId: 'bench' };

const t0 = performance.now();
const mod = (await import(pathToFileURL(bundle).href)) as { handler: (e: unknown, c: unknown) => Promise<unknown> };
const t1 = performance.now();
const first = await mod.handler(load(initEventPath), context);
const t2 = performance.now();
const sample = await mod.handler(load(sampleEventPath), context);
const t3 = performance.now();
process.stdout.write(JSON.stringify({ loadMs: t1 - t0, firstInvokeMs: t2 - t1, sampleMs: t3 - t2, first, sample }) + '\n');
