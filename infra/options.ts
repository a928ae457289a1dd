import { readFileSync } from 'node:fs';
import nodePath from 'node:path';
import { loadGatewayConfig } from '../lib/config/load.ts';
import { inlineScrapeConfigFiles } from '../lib/config/scrape-files.ts';
import type { GatewayConfig } from '../lib/config/schema.ts';
import { ConfigError } from '../lib/errors.ts';
import type { IngestEndpoint } from './constructs/ingest-api.ts';

/** gateway.yaml as the functions will read it: validated text plus its parsed form. */
export interface SynthConfig {
  path: string;
  text: string;
  config: GatewayConfig;
}

/**
 * Reads and validates gateway.yaml at synth time with the functions' own loader, so a bad config fails
 * `cdk synth`/`cdk deploy` with the same path-precise problems `npm start` prints.
 */
export function loadSynthConfig(path: string): SynthConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read gateway config ${path}: ${(err as Error).message}`);
  }
  try {
    // scrape_config_files are read now and their jobs inlined: the bundle carries gateway.yaml only.
    const read = (f: string): string => readFileSync(nodePath.resolve(nodePath.dirname(path), f), 'utf8');
    const config = loadGatewayConfig(text, path, read);
    return { path, text: config.scrape.length ? inlineScrapeConfigFiles(text, read) : text, config };
  } catch (err) {
    if (err instanceof ConfigError) throw new Error(`invalid configuration ${path}:\n  ${err.problems.join('\n  ')}`);
    throw err;
  }
}

/** Deployment settings that are not gateway.yaml's business: CDK context (`-c key=value` or cdk.json). */
export interface DeployOptions {
  /** Path of gateway.yaml; default ./gateway.yaml. */
  config: string;
  ingestEndpoint: IngestEndpoint;
  /** 'iam' requires SigV4-signed pushes on the HTTP API and the Function URL. */
  ingestAuth: 'none' | 'iam';
  apiRateLimit: number;
  apiBurstLimit: number;
  /** Messages per deliver invocation. */
  deliverBatchSize: number;
  /** Seconds to gather a batch. */
  deliverBatchingWindow: number;
  /** Concurrent deliver invocations the event source runs (protects the receivers), 2..1000. */
  deliverMaxConcurrency: number;
  /** Seconds. */
  deliverTimeout: number;
  ingestMemory: number;
  deliverMemory: number;
  logRetentionDays: number;
  overflowRetentionDays: number;
  rejectedRetentionDays: number;
  /** An SNS topic ARN the alarms notify. */
  alarmTopicArn: string | undefined;
  /** Scrape schedules, each invoking functions/scrape.ts for its own share of the targets (1..100). */
  scrapeShards: number;
  /**
   * Ship source maps and run with NODE_OPTIONS=--enable-source-maps, so stack traces name the TypeScript
   * lines. On by default; `false` saves the few milliseconds Node spends parsing the maps at every cold
   * start (bench/RESULTS.md, Lambda bundles).
   */
  sourceMaps: boolean;
}

export const DEFAULT_DEPLOY_OPTIONS: DeployOptions = {
  config: './gateway.yaml',
  ingestEndpoint: 'http-api',
  ingestAuth: 'none',
  apiRateLimit: 1000,
  apiBurstLimit: 2000,
  deliverBatchSize: 10,
  deliverBatchingWindow: 1,
  deliverMaxConcurrency: 10,
  deliverTimeout: 120,
  ingestMemory: 1024,
  deliverMemory: 1024,
  logRetentionDays: 30,
  overflowRetentionDays: 14,
  rejectedRetentionDays: 30,
  alarmTopicArn: undefined,
  scrapeShards: 1,
  sourceMaps: true,
};

const INTS: Record<string, [min: number, max: number]> = {
  apiRateLimit: [1, 1_000_000],
  apiBurstLimit: [1, 1_000_000],
  deliverBatchSize: [1, 10_000],
  deliverBatchingWindow: [0, 300],
  deliverMaxConcurrency: [2, 1000],
  deliverTimeout: [10, 900],
  ingestMemory: [128, 10_240],
  deliverMemory: [128, 10_240],
  overflowRetentionDays: [1, 3653],
  rejectedRetentionDays: [1, 3653],
  scrapeShards: [1, 100],
};

/** The retention periods CloudWatch Logs accepts. */
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/** Reads DeployOptions from context values (strings from `-c`, or JSON from cdk.json); throws naming every bad key. */
export function readDeployOptions(get: (key: string) => unknown): DeployOptions {
  const problems: string[] = [];
  const out: DeployOptions = { ...DEFAULT_DEPLOY_OPTIONS };
  const config = get('config');
  if (config !== undefined) out.config = String(config);
  const endpoint = get('ingestEndpoint');
  if (endpoint !== undefined) {
    if (endpoint === 'http-api' || endpoint === 'function-url' || endpoint === 'both') out.ingestEndpoint = endpoint;
    else problems.push(`context ingestEndpoint: must be http-api, function-url or both, got ${JSON.stringify(endpoint)}`);
  }
  const auth = get('ingestAuth');
  if (auth !== undefined) {
    if (auth === 'none' || auth === 'iam') out.ingestAuth = auth;
    else problems.push(`context ingestAuth: must be none or iam, got ${JSON.stringify(auth)}`);
  }
  for (const [key, [min, max]] of Object.entries(INTS)) {
    const raw = get(key);
    if (raw === undefined) continue;
    const n = typeof raw === 'number' ? raw : Number(String(raw));
    if (!Number.isInteger(n) || n < min || n > max) problems.push(`context ${key}: must be an integer in ${min}..${max}, got ${JSON.stringify(raw)}`);
    else (out as unknown as Record<string, number>)[key] = n;
  }
  const retention = get('logRetentionDays');
  if (retention !== undefined) {
    const n = Number(retention);
    if (LOG_RETENTION_DAYS.includes(n)) out.logRetentionDays = n;
    else problems.push(`context logRetentionDays: must be one of ${LOG_RETENTION_DAYS.join(', ')}, got ${JSON.stringify(retention)}`);
  }
  const maps = get('sourceMaps');
  if (maps !== undefined) {
    if (maps === true || maps === 'true') out.sourceMaps = true;
    else if (maps === false || maps === 'false') out.sourceMaps = false;
    else problems.push(`context sourceMaps: must be true or false, got ${JSON.stringify(maps)}`);
  }
  const topic = get('alarmTopicArn');
  if (topic !== undefined) {
    if (/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+$/.test(String(topic))) out.alarmTopicArn = String(topic);
    else problems.push(`context alarmTopicArn: must be an SNS topic ARN, got ${JSON.stringify(topic)}`);
  }
  if (out.deliverBatchSize > 10 && out.deliverBatchingWindow < 1) problems.push(`context deliverBatchingWindow: must be at least 1 when deliverBatchSize > 10`);
  if (problems.length) throw new Error(`invalid deployment options:\n  ${problems.join('\n  ')}`);
  return out;
}
