#!/usr/bin/env node
/**
 * `node bench/lambda-cpu.ts [--runs 5] [--requests 200]`: the CPU one warm Lambda request costs, per function,
 * with typical bodies, and the CPU of init beside the SQS-only baseline.
 *
 * Each function is bundled with the construct's esbuild settings (infra/constructs/bundle.ts, as deployed:
 * code splitting, source maps) and run in fresh Node processes with the Lambda environment variables
 * (bench/lambda-cpu-probe.ts): the import (init), one first request, 20 warm-up requests, then `--requests`
 * requests whose CPU (process.cpuUsage, user + system, of that process only) is divided by their number.
 * Median over `--runs` processes, with the range. The fakes (SQS endpoint, remote_write receiver) run in
 * this process, so their CPU is not counted.
 *
 * Events: ingest with a 1,000-sample Influx push (200 lines x 5 fields, 27 KB) and with a remote_write batch
 * as Prometheus sends it (2,000 series x 1 sample, 8 labels, 52 KB snappy); deliver with the very SQS
 * messages those ingest requests queued (captured by the fake SQS), one per event.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BUNDLE_FILE, REPO_ROOT, bundleFunction } from '../infra/constructs/bundle.ts';
import { influxWorkload, remoteWriteWorkload } from './e2e.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, requests: { type: 'string', default: '200' } } });
const RUNS = Number(values.runs);
const REQUESTS = Number(values.requests);

interface SentEntry {
  MessageBody: string;
  MessageAttributes?: Record<string, { DataType: string; StringValue?: string }>;
}

/** SQS SendMessageBatch (JSON protocol) answering success, keeping the last batch it was sent. */
function fakeSqs(): http.Server & { last: SentEntry[] } {
  const s = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c)).on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { Entries: (SentEntry & { Id: string })[] };
      s.last = body.Entries;
      const Successful = body.Entries.map((e) => ({ Id: e.Id, MessageId: `m-${e.Id}`, MD5OfMessageBody: createHash('md5').update(e.MessageBody).digest('hex') }));
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify({ Successful, Failed: [] }));
    });
  }) as http.Server & { last: SentEntry[] };
  s.last = [];
  return s;
}

async function listen(s: http.Server): Promise<number> {
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as AddressInfo).port;
}

function httpEvent(rawPath: string, headers: Record<string, string>, body: string | Uint8Array): unknown {
  const base64 = typeof body !== 'string';
  const text = base64 ? Buffer.from(body).toString('base64') : body;
  const template = JSON.parse(readFileSync(path.join(REPO_ROOT, 'events', 'http-influx.json'), 'utf8')) as Record<string, unknown> & { requestContext: { http: Record<string, string> } };
  template.requestContext.http.path = rawPath;
  return { ...template, rawPath, rawQueryString: '', headers: { host: 'bench', 'content-length': String(base64 ? body.length : Buffer.byteLength(body)), ...headers }, body: text, isBase64Encoded: base64 };
}

function sqsEvent(entries: SentEntry[]): unknown {
  return {
    Records: entries.map((e, i) => ({
      messageId: `bench-${i}`,
      receiptHandle: `bench-${i}`,
      body: e.MessageBody,
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'bench', ApproximateFirstReceiveTimestamp: '0' },
      messageAttributes: Object.fromEntries(Object.entries(e.MessageAttributes ?? {}).map(([k, v]) => [k, { stringValue: v.StringValue, dataType: v.DataType, stringListValues: [], binaryListValues: [] }])),
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:bench',
      awsRegion: 'us-east-1',
    })),
  };
}

interface Probe {
  initCpuMs: number;
  firstCpuMs: number;
  warmCpuMs: number;
  rssMiB: number;
  result: unknown;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const range = (xs: number[], d = 2): string => `${Math.min(...xs).toFixed(d)}-${Math.max(...xs).toFixed(d)}`;

const sqs = fakeSqs();
const rw = http.createServer((req, res) => req.resume().on('end', () => res.writeHead(204).end()));
const sqsPort = await listen(sqs);
const rwPort = await listen(rw);
const work = mkdtempSync(path.join(os.tmpdir(), 'gw-lambda-cpu-'));
const configText = `auth: {mode: none}\nremote_write:\n  - name: bench\n    url: http://127.0.0.1:${rwPort}/api/v1/write\nqueue:\n  max_message_bytes: 1048576\n`;

async function probe(bundle: string, event: unknown, name: string): Promise<Probe> {
  const eventFile = path.join(work, `${name.replace(/\W+/g, '-')}.json`);
  writeFileSync(eventFile, JSON.stringify(event));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '',
    // BENCH_PROBE_NODE_OPTIONS adds options (e.g. `--cpu-prof --cpu-prof-dir=DIR` to profile each probe).
    NODE_OPTIONS: ['--enable-source-maps', process.env.BENCH_PROBE_NODE_OPTIONS ?? ''].join(' ').trim(),
    AWS_LAMBDA_FUNCTION_NAME: `bench-${name.split(' ')[0]}`,
    GATEWAY_CONFIG: path.join(path.dirname(bundle), 'gateway.json'),
    QUEUE_URL: `http://127.0.0.1:${sqsPort}/000000000000/bench`,
    BUCKET: 'bench',
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL: `http://127.0.0.1:${sqsPort}`,
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    LOG_LEVEL: 'error',
  };
  const res = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const p = spawn(process.execPath, [path.join(REPO_ROOT, 'bench', 'lambda-cpu-probe.ts'), bundle, eventFile, String(REQUESTS), '20'], { env });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (b: Buffer) => (stdout += b));
    p.stderr.on('data', (b: Buffer) => (stderr += b));
    p.on('close', (status) => resolve({ status, stdout, stderr }));
  });
  if (res.status !== 0) throw new Error(`${name}: probe failed: ${res.stderr}`);
  return JSON.parse(res.stdout.trim().split('\n').at(-1)!) as Probe;
}

interface Case {
  name: string;
  bundle: string;
  event: () => unknown;
  ok: (r: unknown) => boolean;
  /** After the runs: what the fake SQS holds then (the messages this request queued). */
  captured?: SentEntry[];
}

try {
  const dirs: Record<string, string> = {};
  for (const [name, entry] of [['baseline', path.join(REPO_ROOT, 'bench', 'fixtures', 'baseline-sqs.ts')], ['ingest', path.join(REPO_ROOT, 'functions', 'ingest.ts')], ['deliver', path.join(REPO_ROOT, 'functions', 'deliver.ts')]] as const) {
    dirs[name] = path.join(work, name);
    bundleFunction(entry, dirs[name], configText);
  }
  const bundle = (n: string): string => path.join(dirs[n]!, BUNDLE_FILE);
  const base = Date.now() - 600_000;
  const influx = influxWorkload(200, base).bodies[0]!;
  const remote = remoteWriteWorkload(2000, base);
  const status = (code: number) => (r: unknown) => (r as { statusCode: number }).statusCode === code;
  const noFailures = (r: unknown) => JSON.stringify(r) === '{"batchItemFailures":[]}';
  const cases: Case[] = [
    { name: 'baseline (SQS client, one SendMessageBatch)', bundle: bundle('baseline'), event: () => ({ send: true }), ok: status(200) },
    { name: 'ingest, Influx 200 lines x 5 fields (1k samples)', bundle: bundle('ingest'), event: () => httpEvent('/write', { 'content-type': 'text/plain' }, influx), ok: status(204) },
    { name: 'ingest, remote_write 2,000 series x 1 sample', bundle: bundle('ingest'), event: () => httpEvent('/api/v1/write', remote.headers, remote.bodies[0]!), ok: status(204) },
  ];
  const rows: { name: string; probes: Probe[] }[] = [];
  for (const c of cases) {
    const probes: Probe[] = [];
    for (let i = 0; i < RUNS; i++) probes.push(await probe(c.bundle, c.event(), c.name));
    if (!c.ok(probes.at(-1)!.result)) throw new Error(`${c.name}: unexpected result ${JSON.stringify(probes.at(-1)!.result).slice(0, 300)}`);
    rows.push({ name: c.name, probes });
    c.captured = sqs.last;
  }
  for (const c of cases.slice(1)) {
    const name = `deliver, the message(s) of "${c.name.slice('ingest, '.length)}"`;
    const event = sqsEvent(c.captured!);
    const probes: Probe[] = [];
    for (let i = 0; i < RUNS; i++) probes.push(await probe(bundle('deliver'), event, name));
    if (!noFailures(probes.at(-1)!.result)) throw new Error(`${name}: unexpected result ${JSON.stringify(probes.at(-1)!.result).slice(0, 300)}`);
    rows.push({ name: `${name} (${c.captured!.length} message)`, probes });
  }
  const baseInit = median(rows[0]!.probes.map((p) => p.initCpuMs));
  process.stdout.write(`node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'}, ${os.cpus().length} CPUs, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}; ${RUNS} fresh processes per row, ${REQUESTS} warm requests each; CPU = user + system of the function's process\n`);
  process.stdout.write(`| function and event | init CPU ms | init x baseline | 1st request CPU ms | warm request CPU ms (median, range) | RSS MiB |\n|---|---|---|---|---|---|\n`);
  for (const r of rows) {
    const init = r.probes.map((p) => p.initCpuMs);
    const warm = r.probes.map((p) => p.warmCpuMs);
    process.stdout.write(`| ${r.name} | ${median(init).toFixed(1)} | ${(median(init) / baseInit).toFixed(2)} | ${median(r.probes.map((p) => p.firstCpuMs)).toFixed(1)} | **${median(warm).toFixed(2)}** (${range(warm)}) | ${median(r.probes.map((p) => p.rssMiB)).toFixed(0)} |\n`);
  }
} finally {
  sqs.close();
  rw.close();
  rmSync(work, { recursive: true, force: true });
}
