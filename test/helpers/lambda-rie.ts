import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import type { Message } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { freePort, killGroup } from './services.ts';
import { requireBuiltTool } from './tools.ts';

/**
 * The gateway's Lambda bundles run the way Lambda runs them: the CDK app synthesized (`cdk synth`, esbuild
 * bundles with gateway.json inside), each function's asset directory as the task root, the Lambda Runtime
 * Interface Emulator (`aws-lambda-rie`, built by .ci/run) as the Lambda service, and npm `aws-lambda-ric`
 * as the runtime interface client loading `index.handler`: the same Runtime API protocol, init phase,
 * error and timeout reporting as Lambda, with no container.
 */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** npm aws-lambda-ric's entry. */
export const RIC_ENTRY = path.join(REPO_ROOT, 'node_modules', 'aws-lambda-ric', 'index.mjs');
/**
 * Its native Runtime API client, which the 4.0.2 tarball does not ship: its install scripts build it
 * (allowScripts in package.json; cmake, g++ and make needed), and the runtime cannot start without it.
 */
export const RIC_NATIVE = path.join(REPO_ROOT, 'node_modules', 'aws-lambda-ric', 'rapid-client.node');
/** What to do when RIC_NATIVE is missing. */
export const RIC_INSTALL = 'npm ci with install scripts allowed for aws-lambda-ric (package.json allowScripts; apt-get install cmake g++ make)';
const CDK_BIN = path.join(REPO_ROOT, 'node_modules', '.bin', 'cdk');

/** Where the stack's functions expect their code (LAMBDA_TASK_ROOT); rewritten to the asset directory. */
const LAMBDA_TASK_ROOT = '/var/task';

export interface SynthedFunction {
  /** ingest | deliver | replay | scrape (from the function's description). */
  purpose: string;
  logicalId: string;
  /** cdk.out/asset.<hash>: the bundle (index.mjs, chunks/, gateway.json). */
  assetDir: string;
  handler: string;
  timeoutSeconds: number;
  memoryMb: number;
  /** The template's environment; references (QUEUE_URL, BUCKET) left out for the caller to fill. */
  environment: Record<string, string>;
}

export interface SynthedStack {
  dir: string;
  template: { Resources: Record<string, { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, unknown> }>; Outputs?: Record<string, unknown> };
  functions: Record<string, SynthedFunction>;
  cleanup(): void;
}

/** Runs a command to completion (bounded), its own process group killed on timeout; rejects with its output. */
export function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs: number }): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(cmd, args, { cwd: opts.cwd ?? REPO_ROOT, env: opts.env ?? process.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout!.on('data', (b: Buffer) => (stdout += b.toString()));
    proc.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => killGroup(proc, 'SIGKILL'), opts.timeoutMs);
    proc.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve({ stdout, stderr });
      else reject(new Error(`${cmd} ${args.join(' ')} exited with ${code ?? signal}:\n${stderr.slice(-4000)}\n${stdout.slice(-2000)}`));
    });
  });
}

/**
 * `cdk synth` of the real app (infra/bin/app.ts) with configText as gateway.yaml and extra `-c` context,
 * into a temporary cloud assembly. About half a minute: bundling, cdk-nag.
 */
export async function synthGateway(configText: string, context: Record<string, string> = {}): Promise<SynthedStack> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gw-synth-'));
  const config = path.join(dir, 'gateway.yaml');
  writeFileSync(config, configText);
  const out = path.join(dir, 'cdk.out');
  const ctx = Object.entries({ config, ...context }).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
  await run(CDK_BIN, ['synth', '-q', '-o', out, ...ctx], { timeoutMs: 180_000, env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1', CDK_CLI_NOTICES: 'false' } });
  const stackName = context.stackName ?? 'MetricsGateway';
  const template = JSON.parse(readFileSync(path.join(out, `${stackName}.template.json`), 'utf8')) as SynthedStack['template'];
  const functions: Record<string, SynthedFunction> = {};
  for (const [logicalId, r] of Object.entries(template.Resources)) {
    if (r.Type !== 'AWS::Lambda::Function') continue;
    const p = r.Properties as { Description?: string; Handler: string; Timeout: number; MemorySize: number; Environment?: { Variables: Record<string, unknown> } };
    const purpose = String(p.Description ?? '').replace(/^metrics gateway: /, '');
    const environment: Record<string, string> = {};
    for (const [k, v] of Object.entries(p.Environment?.Variables ?? {})) if (typeof v === 'string') environment[k] = v;
    functions[purpose] = { purpose, logicalId, assetDir: path.join(out, String(r.Metadata?.['aws:asset:path'])), handler: p.Handler, timeoutSeconds: p.Timeout, memoryMb: p.MemorySize, environment };
  }
  return { dir, template, functions, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A copy of a function's asset directory with files replaced (e.g. a broken gateway.json). */
export function patchedAsset(fn: SynthedFunction, files: Record<string, string>): SynthedFunction {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gw-asset-'));
  cpSync(fn.assetDir, dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return { ...fn, assetDir: dir };
}

export interface InvokeResult {
  status: number;
  headers: Headers;
  text: string;
  json<T = unknown>(): T;
}

export interface RieFunction {
  fn: SynthedFunction;
  /** The invocation URL (`POST .../2015-03-31/functions/function/invocations`). */
  url: string;
  invoke(event: unknown): Promise<InvokeResult>;
  /** What RIE and the function wrote (stdout and stderr interleaved), the last 64 KiB. */
  logs(): string;
  stop(): Promise<void>;
}

/**
 * The environment Lambda gives the function: the template's variables (GATEWAY_CONFIG's /var/task
 * rewritten to the asset directory), the Lambda-reserved ones, and the caller's (QUEUE_URL, BUCKET,
 * AWS_ENDPOINT_URL, credentials).
 */
export function lambdaEnvironment(fn: SynthedFunction, extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(fn.environment)) env[k] = v.startsWith(`${LAMBDA_TASK_ROOT}/`) ? path.join(fn.assetDir, v.slice(LAMBDA_TASK_ROOT.length + 1)) : v;
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: os.tmpdir(),
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    LAMBDA_TASK_ROOT: fn.assetDir,
    _HANDLER: fn.handler,
    AWS_LAMBDA_FUNCTION_NAME: `MetricsGateway-${fn.purpose}`,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
    // RIE's timeout (what Lambda takes from the function's configuration).
    AWS_LAMBDA_FUNCTION_TIMEOUT: String(fn.timeoutSeconds),
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    ...env,
    ...extra,
  };
}

/** Resolves once something accepts TCP connections on 127.0.0.1:port (false if proc exited first or the time is up). */
async function listening(port: number, proc: ChildProcess, timeoutMs: number): Promise<boolean> {
  for (let waited = 0; waited < timeoutMs; waited += 50) {
    if (proc.exitCode !== null || proc.signalCode !== null) return false;
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/**
 * Starts aws-lambda-rie with aws-lambda-ric on the function's asset, in its own process group (stop() kills
 * the group: RIE and the runtime it started). Ports are picked free and the start retried when one was
 * taken in between. RIE runs the init phase at the first invocation, as Lambda does on a cold start.
 */
export async function startRie(rieBin: string, fn: SynthedFunction, extraEnv: Record<string, string>): Promise<RieFunction> {
  if (!existsSync(RIC_NATIVE)) throw new Error(`${RIC_NATIVE} missing: ${RIC_INSTALL}`);
  let lastLog = '';
  for (let attempt = 0; attempt < 5; attempt++) {
    const [emulatorPort, runtimePort] = [await freePort(), await freePort()];
    const proc = spawn(
      rieBin,
      ['--runtime-interface-emulator-address', `127.0.0.1:${emulatorPort}`, '--runtime-api-address', `127.0.0.1:${runtimePort}`, process.execPath, RIC_ENTRY, fn.handler],
      { cwd: fn.assetDir, env: lambdaEnvironment(fn, extraEnv), detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let log = '';
    const keep = (b: Buffer): void => {
      log = (log + b.toString()).slice(-65536);
    };
    proc.stdout!.on('data', keep);
    proc.stderr!.on('data', keep);
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    if (!(await listening(emulatorPort, proc, 10_000))) {
      killGroup(proc, 'SIGKILL');
      await exited;
      lastLog = log;
      continue;
    }
    const url = `http://127.0.0.1:${emulatorPort}/2015-03-31/functions/function/invocations`;
    return {
      fn,
      url,
      async invoke(event) {
        const res = await fetch(url, { method: 'POST', body: JSON.stringify(event), signal: AbortSignal.timeout((fn.timeoutSeconds + 60) * 1000) });
        const text = await res.text();
        return { status: res.status, headers: res.headers, text, json: <T>() => JSON.parse(text) as T };
      },
      logs: () => log,
      async stop() {
        if (proc.exitCode === null && proc.signalCode === null) {
          killGroup(proc, 'SIGTERM');
          const t = setTimeout(() => killGroup(proc, 'SIGKILL'), 3000);
          await exited;
          clearTimeout(t);
        }
        killGroup(proc, 'SIGKILL'); // the runtime, if it outlived RIE
      },
    };
  }
  throw new Error(`aws-lambda-rie did not start for ${fn.purpose}: ${lastLog.slice(-2000)}`);
}

/** The RIE binary, or undefined after t.skip (a failure under CI=true). */
export function requireRie(t: TestContext): string | undefined {
  return requireBuiltTool(t, 'aws-lambda-rie');
}

/**
 * SQS messages as Lambda's SQS event source hands them to the function (received with all system and
 * message attributes): one record per message.
 */
export function sqsEventOf(messages: Message[], queueArn: string, region = 'us-east-1'): SQSEvent {
  const Records: SQSRecord[] = messages.map((m) => ({
    messageId: m.MessageId!,
    receiptHandle: m.ReceiptHandle!,
    body: m.Body ?? '',
    attributes: m.Attributes as unknown as SQSRecord['attributes'],
    messageAttributes: Object.fromEntries(
      Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, { ...(v.StringValue !== undefined ? { stringValue: v.StringValue } : {}), ...(v.BinaryValue ? { binaryValue: Buffer.from(v.BinaryValue).toString('base64') } : {}), stringListValues: [], binaryListValues: [], dataType: v.DataType! }]),
    ),
    md5OfBody: m.MD5OfBody ?? '',
    ...(m.MD5OfMessageAttributes ? { md5OfMessageAttributes: m.MD5OfMessageAttributes } : {}),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  }));
  return { Records };
}
