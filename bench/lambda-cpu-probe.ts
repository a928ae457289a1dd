/**
 * Runs in a fresh Node process for bench/lambda-cpu.ts: imports one bundle as the Lambda runtime does
 * (init: CPU of the import, during which the gateway's functions build config and clients), invokes it
 * WARMUP times, then measures the CPU (process.cpuUsage, user + system) of N more invocations with the
 * same event. Prints one JSON line: initCpuMs, firstCpuMs, warm CPU ms per request, and the last result.
 *   node bench/lambda-cpu-probe.ts <bundle/index.mjs> <event.json> <N> <WARMUP>
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [bundle, eventPath, n, warmup] = process.argv.slice(2) as [string, string, string, string];
const event = JSON.parse(readFileSync(eventPath, 'utf8')) as unknown;
const context = { getRemainingTimeInMillis: () => 30_000, functionName: 'bench', awsRequestId: 'bench' };
const ms = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1000;

const c0 = process.cpuUsage();
const mod = (await import(pathToFileURL(bundle).href)) as { handler: (e: unknown, c: unknown) => Promise<unknown> };
const initCpuMs = ms(process.cpuUsage(c0));
const c1 = process.cpuUsage();
let result = await mod.handler(event, context);
const firstCpuMs = ms(process.cpuUsage(c1));
for (let i = 0; i < Number(warmup); i++) await mod.handler(event, context);
const c2 = process.cpuUsage();
for (let i = 0; i < Number(n); i++) result = await mod.handler(event, context);
const warmCpuMs = ms(process.cpuUsage(c2)) / Number(n);
process.stdout.write(JSON.stringify({ initCpuMs, firstCpuMs, warmCpuMs, rssMiB: process.memoryUsage.rss() / 2 ** 20, result }) + '\n');
