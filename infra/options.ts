import { readFileSync } from 'node:fs';
import * as v from 'valibot';
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

const ints = (min: number, max: number) => {
  const toInt = (raw: unknown): number => (typeof raw === 'number' ? raw : Number(String(raw)));
  return v.pipe(
    v.unknown(),
    v.check((raw) => Number.isInteger(toInt(raw)) && toInt(raw) >= min && toInt(raw) <= max, (i) => `must be an integer in ${min}..${max}, got ${JSON.stringify(i.input)}`),
    v.transform(toInt),
  );
};
const oneOf = <const T extends readonly string[]>(values: T, say: string) => v.picklist(values, (i) => `must be ${say}, got ${JSON.stringify(i.input)}`);

/** The retention periods CloudWatch Logs accepts. */
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/**
 * The context keys read one by one (valibot, as gateway.yaml's schema): values come as strings from `-c`
 * or as JSON from cdk.json. The VPC keys are read together (readVpc): they are all or nothing.
 */
const CONTEXT = {
  config: v.pipe(v.unknown(), v.transform(String)),
  ingestEndpoint: oneOf(['http-api', 'function-url', 'both'], 'http-api, function-url or both'),
  ingestAuth: oneOf(['none', 'iam'], 'none or iam'),
  apiRateLimit: ints(1, 1_000_000),
  apiBurstLimit: ints(1, 1_000_000),
  deliverBatchSize: ints(1, 10_000),
  deliverBatchingWindow: ints(0, 300),
  deliverMaxConcurrency: ints(2, 1000),
  deliverTimeout: ints(10, 900),
  ingestMemory: ints(128, 10_240),
  deliverMemory: ints(128, 10_240),
  overflowRetentionDays: ints(1, 3653),
  rejectedRetentionDays: ints(1, 3653),
  scrapeShards: ints(1, 100),
  logRetentionDays: v.pipe(
    v.unknown(),
    v.check((raw) => LOG_RETENTION_DAYS.includes(Number(raw)), (i) => `must be one of ${LOG_RETENTION_DAYS.join(', ')}, got ${JSON.stringify(i.input)}`),
    v.transform(Number),
  ),
  sourceMaps: v.pipe(
    v.unknown(),
    v.check((x) => x === true || x === false || x === 'true' || x === 'false', (i) => `must be true or false, got ${JSON.stringify(i.input)}`),
    v.transform((x) => x === true || x === 'true'),
  ),
  alarmTopicArn: v.pipe(
    v.unknown(),
    v.check((raw) => /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+$/.test(String(raw)), (i) => `must be an SNS topic ARN, got ${JSON.stringify(i.input)}`),
    v.transform(String),
  ),
} satisfies Partial<Record<keyof DeployOptions, v.GenericSchema>>;

/** Reads DeployOptions from context values (strings from `-c`, or JSON from cdk.json); throws naming every bad key. */
export function readDeployOptions(get: (key: string) => unknown): DeployOptions {
  const problems: string[] = [];
  const out: DeployOptions = { ...DEFAULT_DEPLOY_OPTIONS };
  for (const [key, schema] of Object.entries(CONTEXT)) {
    const raw = get(key);
    if (raw === undefined) continue;
    const r = v.safeParse(schema as v.GenericSchema, raw, { abortPipeEarly: true });
    if (r.success) (out as unknown as Record<string, unknown>)[key] = r.output;
    else problems.push(`context ${key}: ${r.issues[0].message}`);
  }
  readVpc(get, out, problems);
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
