import { readFileSync } from 'node:fs';
import nodePath from 'node:path';
import { readGatewayConfigText } from '../lib/config/load.ts';
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
    const { config, warnings } = readGatewayConfigText(text, path, read);
    // Once per synth: fields accepted without effect and deprecated spellings (the bundler reads the same file).
    for (const w of warnings) console.warn(`${path}: warning: ${w}`);
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
  /**
   * Run deliver, replay and scrape in these VPC subnets (receivers or targets on private addresses). The
   * subnets need a way to S3, SQS (scrape) and any Secrets Manager or SSM references: a NAT gateway or VPC
   * endpoints. Ingest stays outside: it only talks to SQS and S3.
   */
  vpc: VpcOptions | undefined;
}

export interface VpcOptions {
  vpcId: string;
  subnetIds: string[];
  /** Empty: the stack creates one security group (all outbound, no inbound) for the functions. */
  securityGroupIds: string[];
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
  vpc: undefined,
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
  readVpc(get, out, problems);
  const topic = get('alarmTopicArn');
  if (topic !== undefined) {
    if (/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+$/.test(String(topic))) out.alarmTopicArn = String(topic);
    else problems.push(`context alarmTopicArn: must be an SNS topic ARN, got ${JSON.stringify(topic)}`);
  }
  if (out.deliverBatchSize > 10 && out.deliverBatchingWindow < 1) problems.push(`context deliverBatchingWindow: must be at least 1 when deliverBatchSize > 10`);
  if (problems.length) throw new Error(`invalid deployment options:\n  ${problems.join('\n  ')}`);
  return out;
}

/** A list from `-c key=a,b` or a cdk.json array. */
function idList(raw: unknown): string[] {
  if (Array.isArray(raw)) return raw.map(String);
  return String(raw).split(',').map((x) => x.trim()).filter((x) => x !== '');
}

/** `vpcId`, `vpcSubnetIds`, `vpcSecurityGroupIds`: all or nothing (security groups optional). */
function readVpc(get: (key: string) => unknown, out: DeployOptions, problems: string[]): void {
  const vpcId = get('vpcId');
  const subnets = get('vpcSubnetIds');
  const groups = get('vpcSecurityGroupIds');
  if (vpcId === undefined) {
    if (subnets !== undefined || groups !== undefined) problems.push('context vpcSubnetIds and vpcSecurityGroupIds need vpcId');
    return;
  }
  const id = String(vpcId);
  if (!/^vpc-[0-9a-f]{8,17}$/.test(id)) problems.push(`context vpcId: must be a VPC id (vpc-...), got ${JSON.stringify(vpcId)}`);
  const subnetIds = subnets === undefined ? [] : idList(subnets);
  if (subnetIds.length === 0) problems.push('context vpcSubnetIds: required with vpcId (comma-separated subnet ids, two or more AZs advised)');
  for (const s of subnetIds) if (!/^subnet-[0-9a-f]{8,17}$/.test(s)) problems.push(`context vpcSubnetIds: ${JSON.stringify(s)} is not a subnet id (subnet-...)`);
  const securityGroupIds = groups === undefined ? [] : idList(groups);
  for (const g of securityGroupIds) if (!/^sg-[0-9a-f]{8,17}$/.test(g)) problems.push(`context vpcSecurityGroupIds: ${JSON.stringify(g)} is not a security group id (sg-...)`);
  if (securityGroupIds.length > 5) problems.push('context vpcSecurityGroupIds: Lambda takes at most 5 security groups');
  out.vpc = { vpcId: id, subnetIds, securityGroupIds };
}
