import { Checker } from '../../config/check.ts';
import { isValidLabelName } from '../../model/labels.ts';
import { SECRET_REF_RE } from '../../ports/index.ts';
import { BUCKET_PREFIXES } from '../../queue/bucket-keys.ts';
import { globProblem } from './glob.ts';

/** The keys of a scrape_configs entry that this module owns; the scrape config schema must allow them. */
export const SD_CONFIG_KEYS = ['static_configs', 'file_sd_configs', 'http_sd_configs', 'ec2_sd_configs'] as const;

/** Prometheus defaults. */
export const DEFAULT_FILE_SD_REFRESH_MS = 5 * 60_000;
export const DEFAULT_HTTP_SD_REFRESH_MS = 60_000;
export const DEFAULT_EC2_SD_REFRESH_MS = 60_000;
export const DEFAULT_EC2_PORT = 80;

/** Files in the gateway's blob store are named `blob:<key>`; keys must live under this prefix. */
export const BLOB_PREFIX = 'blob:';
export const BLOB_SD_KEY_PREFIX = BUCKET_PREFIXES.sd;

export interface StaticSdConfig {
  kind: 'static';
  index: number;
  targets: string[];
  labels: Record<string, string>;
}

export interface FileSdConfig {
  kind: 'file';
  index: number;
  /** Patterns as configured: a local path, or `blob:sd/...` for the gateway's blob store. */
  files: string[];
  refreshIntervalMs: number;
}

/** A secret named by reference: a SecretStore reference (`env:`, `file:`, `secretsmanager:`, `ssm:`). */
export type SecretRef = { ref: string };
/** A value given either literally (not a secret: a user name) or by reference. */
export type ValueOrRef = { value: string } | SecretRef;

export type HttpSdAuth =
  | { kind: 'basic'; username: ValueOrRef | undefined; password: SecretRef | undefined }
  | { kind: 'authorization'; type: string; credentials: SecretRef | undefined };

export interface HttpSdConfig {
  kind: 'http';
  index: number;
  url: string;
  refreshIntervalMs: number;
  auth: HttpSdAuth | undefined;
}

export interface Ec2Filter {
  name: string;
  values: string[];
}

export interface Ec2SdConfig {
  kind: 'ec2';
  index: number;
  /** Undefined: the region of the environment (Lambda's AWS_REGION), resolved by the EC2 adapter. */
  region: string | undefined;
  endpoint: string | undefined;
  roleArn: string | undefined;
  port: number;
  filters: Ec2Filter[];
  refreshIntervalMs: number;
}

export type SdConfig = StaticSdConfig | FileSdConfig | HttpSdConfig | Ec2SdConfig;

const STATIC_KEYS = ['targets', 'labels'];
const FILE_KEYS = ['files', 'refresh_interval'];
const HTTP_KEYS = ['url', 'refresh_interval', 'basic_auth', 'authorization'];
const BASIC_KEYS = ['username', 'username_file', 'username_ref', 'password_file', 'password_ref'];
const AUTHZ_KEYS = ['type', 'credentials_file', 'credentials_ref'];
const EC2_KEYS = ['region', 'endpoint', 'port', 'filters', 'role_arn', 'refresh_interval'];
const FILTER_KEYS = ['name', 'values'];

// Prometheus' rule for file SD names: a JSON or YAML extension, `*` only in the last path element.
const FILE_SD_NAME_RE = /^[^*]*(\*[^/]*)?\.(json|yml|yaml|JSON|YML|YAML)$/;
const ROLE_ARN_RE = /^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/;

const REF_HELP = 'a secret reference (env:NAME, file:/path, secretsmanager:<name>[#key] or ssm:/name)';

/**
 * Reads the discovery keys of one scrape_configs entry, recording problems in c. The config side
 * (lib/config/shape/discovery.ts) checks their shape with the schema first and passes a shape-checked
 * Checker, so only the semantic rules below record there; the scrape function reads with a full Checker.
 */
export function readSdConfigs(c: Checker, rawJob: Record<string, unknown>, path: string): SdConfig[] {
  const out: SdConfig[] = [];
  // As Prometheus ("empty or null section in static_configs"): a null entry is an error, not an empty group.
  for (const key of SD_CONFIG_KEYS) {
    const list = rawJob[key];
    if (Array.isArray(list)) list.forEach((raw, i) => raw == null && c.fail(`${path}.${key}[${i}]`, `empty or null section in ${key}`));
  }
  c.array(rawJob.static_configs, `${path}.static_configs`).forEach((raw, i) => out.push(readStatic(c, raw, `${path}.static_configs[${i}]`, i)));
  c.array(rawJob.file_sd_configs, `${path}.file_sd_configs`).forEach((raw, i) => out.push(readFile(c, raw, `${path}.file_sd_configs[${i}]`, i)));
  c.array(rawJob.http_sd_configs, `${path}.http_sd_configs`).forEach((raw, i) => out.push(readHttp(c, raw, `${path}.http_sd_configs[${i}]`, i)));
  c.array(rawJob.ec2_sd_configs, `${path}.ec2_sd_configs`).forEach((raw, i) => out.push(readEc2(c, raw, `${path}.ec2_sd_configs[${i}]`, i)));
  return out;
}

function readStatic(c: Checker, raw: unknown, path: string, index: number): StaticSdConfig {
  const o = c.object(raw, path, STATIC_KEYS) ?? {};
  const targets: string[] = [];
  c.array(o.targets, `${path}.targets`).forEach((t, j) => {
    const s = c.string(t, `${path}.targets[${j}]`);
    if (s === undefined) return;
    // Compatibility: Prometheus' CheckTargetAddress refuses a URL where host:port is expected.
    if (s.includes('/')) c.fail(`${path}.targets[${j}]`, `${JSON.stringify(s)} is not a valid hostname (a target is host:port; the scheme and path are scrape settings)`);
    targets.push(s);
  });
  const labels = c.stringMap(o.labels, `${path}.labels`);
  for (const name of Object.keys(labels)) if (!isValidLabelName(name)) c.fail(`${path}.labels.${name}`, `${JSON.stringify(name)} is not a valid label name`);
  return { kind: 'static', index, targets, labels };
}

function readFile(c: Checker, raw: unknown, path: string, index: number): FileSdConfig {
  const o = c.object(raw, path, FILE_KEYS) ?? {};
  const files: string[] = [];
  c.array(o.files, `${path}.files`).forEach((f, j) => {
    const s = c.string(f, `${path}.files[${j}]`);
    if (s === undefined) return;
    const p = `${path}.files[${j}]`;
    const problem = globProblem(s);
    if (!FILE_SD_NAME_RE.test(s)) c.fail(p, `path name ${JSON.stringify(s)} is not valid for file discovery (it must end in .json, .yml or .yaml, and only the last path element may contain *)`);
    else if (problem) c.fail(p, problem);
    else if (s.startsWith(BLOB_PREFIX) && !s.slice(BLOB_PREFIX.length).startsWith(BLOB_SD_KEY_PREFIX)) c.fail(p, `blob store files must be under ${BLOB_PREFIX}${BLOB_SD_KEY_PREFIX}, got ${JSON.stringify(s)}`);
    else if (/^[a-z0-9]+:\/\//i.test(s)) c.fail(p, `${JSON.stringify(s)}: URLs are not files; use ${BLOB_PREFIX}${BLOB_SD_KEY_PREFIX}<key> for the gateway's blob store (its S3 bucket) or http_sd_configs`);
    files.push(s);
  });
  if (o.files === undefined || o.files === null || (Array.isArray(o.files) && o.files.length === 0)) c.fail(`${path}.files`, 'file service discovery config must contain at least one path name');
  const refreshIntervalMs = c.duration(o.refresh_interval, `${path}.refresh_interval`, DEFAULT_FILE_SD_REFRESH_MS);
  return { kind: 'file', index, files, refreshIntervalMs };
}

function readHttp(c: Checker, raw: unknown, path: string, index: number): HttpSdConfig {
  const o = c.object(raw, path, HTTP_KEYS) ?? {};
  let url = c.string(o.url, `${path}.url`) ?? '';
  if (o.url === undefined || o.url === null) c.fail(`${path}.url`, 'URL is missing');
  else if (url !== '') {
    let u: URL | undefined;
    try {
      u = new URL(url);
    } catch {
      c.fail(`${path}.url`, `invalid URL ${JSON.stringify(url)}`);
    }
    if (u && u.protocol !== 'http:' && u.protocol !== 'https:') c.fail(`${path}.url`, "URL scheme must be 'http' or 'https'");
    else if (u && u.host === '') c.fail(`${path}.url`, 'host is missing in URL');
    else if (u && (u.username || u.password)) c.fail(`${path}.url`, 'credentials in the URL are secrets in the config; use basic_auth with password_ref');
  } else if (typeof o.url === 'string') c.fail(`${path}.url`, 'URL is missing');
  const refreshIntervalMs = c.duration(o.refresh_interval, `${path}.refresh_interval`, DEFAULT_HTTP_SD_REFRESH_MS);
  let auth: HttpSdAuth | undefined;
  if (o.basic_auth !== undefined && o.basic_auth !== null && o.authorization !== undefined && o.authorization !== null) {
    c.fail(path, 'at most one of basic_auth and authorization must be configured');
  }
  if (o.basic_auth !== undefined && o.basic_auth !== null) auth = readBasic(c, o.basic_auth, `${path}.basic_auth`);
  else if (o.authorization !== undefined && o.authorization !== null) auth = readAuthorization(c, o.authorization, `${path}.authorization`);
  return { kind: 'http', index, url, refreshIntervalMs, auth };
}

function readBasic(c: Checker, raw: unknown, path: string): HttpSdAuth {
  const o = c.object(reject(c, raw, path, ['password'], literalSecret), path, BASIC_KEYS) ?? {};
  const username = oneOf(c, o, path, 'username', true);
  const password = oneOf(c, o, path, 'password', false) as SecretRef | undefined;
  return { kind: 'basic', username, password };
}

function readAuthorization(c: Checker, raw: unknown, path: string): HttpSdAuth {
  const o = c.object(reject(c, raw, path, ['credentials'], literalSecret), path, AUTHZ_KEYS) ?? {};
  const type = c.string(o.type, `${path}.type`, 'Bearer');
  if (type.toLowerCase() === 'basic') c.fail(`${path}.type`, 'authorization type cannot be set to "basic", use "basic_auth" instead');
  else if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(type)) c.fail(`${path}.type`, `must be an HTTP authentication scheme, got ${JSON.stringify(type)}`);
  const credentials = oneOf(c, o, path, 'credentials', false) as SecretRef | undefined;
  return { kind: 'authorization', type, credentials };
}

/** A copy of raw without the given keys, each recorded as a problem with msg (raw itself is not changed). */
function reject(c: Checker, raw: unknown, path: string, keys: readonly string[], msg: (key: string) => string): unknown {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const copy: Record<string, unknown> = { ...(raw as Record<string, unknown>) };
  for (const k of keys) {
    if (!(k in copy)) continue;
    c.fail(`${path}.${k}`, msg(k));
    delete copy[k];
  }
  return copy;
}

const literalSecret = (key: string): string => `secrets are given by reference only: use ${key}_ref (${REF_HELP}) or ${key}_file`;

/** `<key>` (when literal is allowed), `<key>_file` or `<key>_ref`: at most one. `_file: P` is `_ref: file:P`. */
function oneOf(c: Checker, o: Record<string, unknown>, path: string, key: string, literal: boolean): ValueOrRef | undefined {
  const given = [literal ? key : undefined, `${key}_file`, `${key}_ref`].filter((k): k is string => k !== undefined && o[k] !== undefined && o[k] !== null);
  if (given.length > 1) c.fail(path, `at most one of ${given.join(', ')} must be configured`);
  const k = given[0];
  if (k === undefined) return undefined;
  const s = c.string(o[k], `${path}.${k}`);
  if (s === undefined) return undefined;
  if (k === key) return { value: s };
  if (k.endsWith('_file')) {
    if (s === '') c.fail(`${path}.${k}`, 'must be a file path');
    return { ref: `file:${s}` };
  }
  if (!SECRET_REF_RE.test(s)) c.fail(`${path}.${k}`, `must be ${REF_HELP}, got ${JSON.stringify(s.slice(0, 40))}`);
  return { ref: s };
}

function readEc2(c: Checker, raw: unknown, path: string, index: number): Ec2SdConfig {
  const noKeys = (): string => "not supported: the gateway calls EC2 with its function's own credentials (its IAM role); use role_arn to assume another role";
  const o = c.object(reject(c, raw, path, ['access_key', 'secret_key', 'profile'], noKeys), path, EC2_KEYS) ?? {};
  const region = c.string(o.region, `${path}.region`);
  if (region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) c.fail(`${path}.region`, `must be an AWS region like us-east-1, got ${JSON.stringify(region)}`);
  const endpoint = c.string(o.endpoint, `${path}.endpoint`);
  if (endpoint !== undefined && !/^https?:\/\/[^/]+/.test(endpoint)) c.fail(`${path}.endpoint`, `must be an http:// or https:// URL, got ${JSON.stringify(endpoint)}`);
  const roleArn = c.string(o.role_arn, `${path}.role_arn`);
  if (roleArn !== undefined && !ROLE_ARN_RE.test(roleArn)) c.fail(`${path}.role_arn`, `must be an IAM role ARN (arn:aws:iam::<account>:role/<name>), got ${JSON.stringify(roleArn)}`);
  const port = c.int(o.port, `${path}.port`, DEFAULT_EC2_PORT, 1, 65535);
  const filters: Ec2Filter[] = [];
  c.array(o.filters, `${path}.filters`).forEach((f, j) => {
    const fp = `${path}.filters[${j}]`;
    const fo = c.object(f, fp, FILTER_KEYS);
    if (!fo) {
      if (f === null || f === undefined) c.fail(fp, 'must be a mapping with name and values');
      return;
    }
    const name = c.string(fo.name, `${fp}.name`);
    if (name === undefined || name === '') c.fail(`${fp}.name`, 'required');
    const values: string[] = [];
    c.array(fo.values, `${fp}.values`).forEach((v, k) => {
      const s = c.string(v, `${fp}.values[${k}]`);
      if (s !== undefined) values.push(s);
    });
    if (values.length === 0) c.fail(`${fp}.values`, 'EC2 SD configuration filter values cannot be empty');
    if (name) filters.push({ name, values });
  });
  const refreshIntervalMs = c.duration(o.refresh_interval, `${path}.refresh_interval`, DEFAULT_EC2_SD_REFRESH_MS);
  return { kind: 'ec2', index, region, endpoint, roleArn, port, filters, refreshIntervalMs };
}
