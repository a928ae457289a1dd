/**
 * Runs in a fresh Node process for bench/bundles.ts: imports one bundle the way the Lambda runtime does
 * (with AWS_LAMBDA_FUNCTION_NAME set, the gateway's functions build config and clients during the import,
 * as the baseline builds its SQS client), then invokes it twice with a real sample event: the first request
 * after a cold start (loading whatever it needs on first use) and a warm one. Prints one JSON line.
 *   node bench/bundle-probe.ts <bundle/index.mjs> <sample event.json>
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const [bundle, sampleEventPath] = process.argv.slice(2) as [string, string];
const event = JSON.parse(readFileSync(sampleEventPath, 'utf8')) as unknown;
const context = { getRemainingTimeInMillis: () => 30_000, functionName: 'bench', awsRequestId: 'bench' };

const t0 = performance.now();
const mod = (await import(pathToFileURL(bundle).href)) as { handler: (e: unknown, c: unknown) => Promise<unknown> };
const t1 = performance.now();
const sample = await mod.handler(event, context);
const t2 = performance.now();
await mod.handler(event, context);
const t3 = performance.now();
process.stdout.write(JSON.stringify({ initMs: t1 - t0, firstMs: t2 - t1, warmMs: t3 - t2, sample }) + '\n');
