#!/usr/bin/env node
/**
 * `npm run bench:bundles`: builds every function bundle with the CDK construct's esbuild settings
 * (infra/constructs/bundle.ts) and its prepared gateway.json, then in fresh Node processes with the Lambda
 * environment variables: times the import (init: the gateway's functions build config and clients then,
 * as the baseline builds its SQS client), the first request with a real sample event (what loads on first
 * use: the protocol's chunk, the SDK's credential chain and HTTP stack) and a warm request. Prints per
 * function the bundle size, init, first request and cold (= init + first) beside a baseline bundle holding
 * only an SQS client, measured in the same run. Figures, not a timed test: bench/RESULTS.md.
 *
 * The sample invocations talk to stand-ins on 127.0.0.1: an SQS JSON-protocol endpoint that accepts
 * SendMessageBatch (and answers S3 as an empty bucket), and a remote_write receiver answering 204.
 *   --runs N         fresh processes per bundle (default 7; the median is reported)
 *   --no-source-maps bundle without source maps and run without NODE_OPTIONS=--enable-source-maps (-c sourceMaps=false)
 *   --single-file    turn esbuild code splitting off (compare: every lazy chunk compiled at init)
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { BUNDLE_FILE, REPO_ROOT, bundleFunction } from '../infra/constructs/bundle.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' }, 'single-file': { type: 'boolean', default: false }, 'no-source-maps': { type: 'boolean', default: false } } });
const sourceMaps = !values['no-source-maps'];
const overrides = values['single-file'] ? { splitting: false } : {};
const RUNS = Number(values.runs);
const EVENTS = path.join(REPO_ROOT, 'events');

interface Target {
  name: string;
  entry: string;
  sampleEvent: string;
  /** What the sample invocation must return. */
  expect: (result: unknown) => boolean;
  /** YAML appended to the shared gateway.yaml. */
  extraConfig?: string;
}

const targets: Target[] = [
  { name: 'baseline (SQS client only)', entry: path.join(REPO_ROOT, 'bench', 'fixtures', 'baseline-sqs.ts'), sampleEvent: 'send', expect: (r) => (r as { statusCode: number }).statusCode === 200 },
  { name: 'ingest', entry: path.join(REPO_ROOT, 'functions', 'ingest.ts'), sampleEvent: path.join(EVENTS, 'http-remote-write.json'), expect: (r) => (r as { statusCode: number }).statusCode === 204 },
  { name: 'ingest, influx line', entry: path.join(REPO_ROOT, 'functions', 'ingest.ts'), sampleEvent: path.join(EVENTS, 'http-influx.json'), expect: (r) => (r as { statusCode: number }).statusCode === 204 },
  {
    name: 'ingest, RE2 relabel regex',
    entry: path.join(REPO_ROOT, 'functions', 'ingest.ts'),
    sampleEvent: path.join(EVENTS, 'http-remote-write.json'),
    expect: (r) => (r as { statusCode: number }).statusCode === 204,
    // No string-operation plan covers \d: the config load pulls in the RE2 engine chunk.
    extraConfig: "relabel_configs:\n  - {source_labels: [instance], regex: '(.*):\\d+', target_label: host}\n",
  },
  // The protobuf push protocols (their decoders and mapping are lazily loaded chunks): events made below.
  { name: 'ingest, OTLP protobuf', entry: path.join(REPO_ROOT, 'functions', 'ingest.ts'), sampleEvent: 'otlp-protobuf', expect: (r) => (r as { statusCode: number }).statusCode === 200 },
  { name: 'ingest, Pushgateway protobuf', entry: path.join(REPO_ROOT, 'functions', 'ingest.ts'), sampleEvent: 'pushgateway-protobuf', expect: (r) => (r as { statusCode: number }).statusCode === 200 },
  { name: 'deliver', entry: path.join(REPO_ROOT, 'functions', 'deliver.ts'), sampleEvent: path.join(EVENTS, 'sqs-batch.json'), expect: (r) => JSON.stringify(r) === '{"batchItemFailures":[]}' },
];
for (const optional of ['replay', 'scrape']) {
  const entry = path.join(REPO_ROOT, 'functions', `${optional}.ts`);
  if (existsSync(entry)) targets.push({ name: optional, entry, sampleEvent: path.join(EVENTS, 'scheduled.json'), expect: () => true });
}

/** Answers SQS SendMessageBatch (AWS JSON protocol) with success for every entry, MD5s included, and S3 as an empty bucket. */
function fakeSqs(): http.Server {
  return http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c)).on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      if (!target) {
        // S3 (the scrape function's state/ reads): nothing stored yet; writes succeed.
        if (req.method === 'GET' && String(req.url).includes('list-type=2')) res.writeHead(200, { 'content-type': 'application/xml' }).end('<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>bench</Name><KeyCount>0</KeyCount><IsTruncated>false</IsTruncated></ListBucketResult>');
        else if (req.method === 'GET' || req.method === 'HEAD') res.writeHead(404, { 'content-type': 'application/xml' }).end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>none</Message></Error>');
        else res.writeHead(200, { etag: '"0"' }).end();
        return;
      }
      if (!target.endsWith('.SendMessageBatch')) {
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify({ __type: 'com.amazonaws.sqs#UnsupportedOperation', message: target }));
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { Entries: { Id: string; MessageBody: string }[] };
      const Successful = body.Entries.map((e) => ({ Id: e.Id, MessageId: `m-${e.Id}`, MD5OfMessageBody: createHash('md5').update(e.MessageBody).digest('hex') }));
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify({ Successful, Failed: [] }));
    });
  });
}

function receiver(): http.Server {
  return http.createServer((req, res) => req.resume().on('end', () => res.writeHead(204).end()));
}

async function listen(s: http.Server): Promise<number> {
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as AddressInfo).port;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const sqs = fakeSqs();
const rw = receiver();
const sqsPort = await listen(sqs);
const rwPort = await listen(rw);
const work = mkdtempSync(path.join(os.tmpdir(), 'gw-bundles-'));
const configText = `auth: {mode: none}\nremote_write:\n  - name: bench\n    url: http://127.0.0.1:${rwPort}/api/v1/write\nqueue:\n  max_message_bytes: 1048576\n`;
const sendEvent = path.join(work, 'send.json');
writeFileSync(sendEvent, JSON.stringify({ send: true }));
/**
 * Protobuf twins of the JSON/text sample events: events/http-otlp-json.json's request as protobuf, and
 * events/http-pushgateway.json's two gauges as delimited MetricFamily messages (encoded with the protobufjs
 * test codecs in test/helpers; kept as bytes so the script runs on older checkouts too, for before/after).
 */
const generated: Record<string, string> = {};
for (const [name, from, contentType, body] of [
  ['otlp-protobuf', 'http-otlp-json.json', 'application/x-protobuf', 'CksKHAoaCgxzZXJ2aWNlLm5hbWUSCgoIY2hlY2tvdXQSKxIpCg1vcmRlcnMucGxhY2VkOhgKEhkAgJ0epA3qGDEfAAAAAAAAABACGAE='],
  [
    'pushgateway-protobuf',
    'http-pushgateway.json',
    'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited',
    'NgolYmFja3VwX2xhc3Rfc3VjY2Vzc190aW1lc3RhbXBfc2Vjb25kcxgBIgsSCQkAAAAQFUjaQR0KDGJhY2t1cF9ieXRlcxgBIgsSCQkAAAAAAEC/QQ==',
  ],
] as const) {
  const event = JSON.parse(readFileSync(path.join(EVENTS, from), 'utf8')) as { headers: Record<string, string>; body: string; isBase64Encoded?: boolean };
  event.headers['content-type'] = contentType;
  event.headers['content-length'] = String(Buffer.from(body, 'base64').length);
  event.body = body;
  event.isBase64Encoded = true;
  generated[name] = path.join(work, `${name}.json`);
  writeFileSync(generated[name], JSON.stringify(event));
}

/** Every .mjs file of a bundle (the entry and its chunks). */
function listCode(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.mjs')).map((f) => path.join(dir, f));
}

interface Row {
  name: string;
  entryKb: number;
  kb: number;
  gzKb: number;
  /** Import, with config and clients built (what Lambda reports as Init Duration). */
  initMs: number;
  /** The first request after the cold start, including code it loads on first use. */
  firstMs: number;
  /** init + first: what the first client of a fresh environment waits. */
  coldMs: number;
  warmMs: number;
  ok: string;
}
const rows: Row[] = [];
try {
  for (const [n, t] of targets.entries()) {
    const out = path.join(work, `${n}-${t.name.split(' ')[0]!.replace(/\W/g, '')}`);
    bundleFunction(t.entry, out, configText + (t.extraConfig ?? ''), overrides, { sourceMaps });
    const file = path.join(out, BUNDLE_FILE);
    const entryBytes = readFileSync(file);
    const bytes = Buffer.concat(listCode(out).map((f) => readFileSync(f)));
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH ?? '',
      NODE_OPTIONS: sourceMaps ? '--enable-source-maps' : '',
      AWS_LAMBDA_FUNCTION_NAME: `bench-${t.name.split(' ')[0]}`,
      GATEWAY_CONFIG: path.join(out, 'gateway.json'),
      QUEUE_URL: `http://127.0.0.1:${sqsPort}/000000000000/bench`,
      BUCKET: 'bench',
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL: `http://127.0.0.1:${sqsPort}`,
      AWS_ACCESS_KEY_ID: 'bench',
      AWS_SECRET_ACCESS_KEY: 'bench',
      LOG_LEVEL: 'error',
    };
    const runs: { initMs: number; firstMs: number; warmMs: number; sample: unknown }[] = [];
    for (let i = 0; i < RUNS; i++) {
      // Async spawn keeps this process's fake servers answering while the probe runs.
      const res = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        const p = spawn(process.execPath, [path.join(REPO_ROOT, 'bench', 'bundle-probe.ts'), file, t.sampleEvent === 'send' ? sendEvent : (generated[t.sampleEvent] ?? t.sampleEvent)], { env });
        let stdout = '';
        let stderr = '';
        p.stdout.on('data', (b: Buffer) => (stdout += b));
        p.stderr.on('data', (b: Buffer) => (stderr += b));
        p.on('close', (status) => resolve({ status, stdout, stderr }));
      });
      if (res.status !== 0) throw new Error(`${t.name}: probe failed: ${res.stderr}`);
      try {
        runs.push(JSON.parse(res.stdout.trim().split('\n').at(-1)!));
      } catch {
        throw new Error(`${t.name}: probe printed ${JSON.stringify(res.stdout.slice(0, 600))}`);
      }
    }
    const last = runs.at(-1)!;
    rows.push({
      name: t.name,
      entryKb: entryBytes.length / 1024,
      kb: bytes.length / 1024,
      gzKb: gzipSync(bytes).length / 1024,
      initMs: median(runs.map((r) => r.initMs)),
      firstMs: median(runs.map((r) => r.firstMs)),
      coldMs: median(runs.map((r) => r.initMs + r.firstMs)),
      warmMs: median(runs.map((r) => r.warmMs)),
      ok: t.expect(last.sample) ? 'ok' : `UNEXPECTED ${JSON.stringify(last.sample).slice(0, 200)}`,
    });
  }
} finally {
  sqs.close();
  rw.close();
  rmSync(work, { recursive: true, force: true });
}

const base = rows[0]!;
const cols: [string, number, (r: Row) => string][] = [
  ['entry KB', 8, (r) => r.entryKb.toFixed(0)],
  ['all KB', 7, (r) => r.kb.toFixed(0)],
  ['gzip KB', 8, (r) => r.gzKb.toFixed(0)],
  ['init ms', 8, (r) => r.initMs.toFixed(1)],
  ['x base', 7, (r) => (r.initMs / base.initMs).toFixed(2)],
  ['1st req ms', 10, (r) => r.firstMs.toFixed(1)],
  ['cold ms', 8, (r) => r.coldMs.toFixed(1)],
  ['x base', 7, (r) => (r.coldMs / base.coldMs).toFixed(2)],
  ['warm ms', 8, (r) => r.warmMs.toFixed(1)],
];
process.stdout.write(`node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'}, median of ${RUNS} fresh processes, ${sourceMaps ? 'source maps (NODE_OPTIONS=--enable-source-maps, as deployed by default)' : 'no source maps'}, ${values['single-file'] ? 'single file' : 'code splitting (as deployed)'}\n`);
process.stdout.write(`${'function'.padEnd(28)} ${cols.map(([h, w]) => h.padStart(w)).join(' ')}  sample\n`);
for (const r of rows) process.stdout.write(`${r.name.padEnd(28)} ${cols.map(([, w, f]) => f(r).padStart(w)).join(' ')}  ${r.ok}\n`);
if (rows.some((r) => r.ok !== 'ok')) process.exitCode = 1;
