import * as v from 'valibot';
import { Checker } from '../check.ts';
import { readSdConfigs, SD_CONFIG_KEYS } from '../../scrape/discovery/config.ts';
import { duration, int, list, mapping, opt, str, stringMap } from './kit.ts';
import { checkShape, mergeProblems } from './validate.ts';

/**
 * The service discovery sections of a scrape_configs entry (static, file, http, ec2), on the same valibot
 * schema as the rest of gateway.yaml: keys, types and ranges. lib/scrape/discovery/config.ts' reader adds
 * the semantic rules (target addresses, label names, file patterns, URLs, secret references, role ARNs) and
 * builds the SdConfig list; the scrape function reads a config validated here, without loading valibot.
 * Keys the gateway refuses with a reason of its own (a literal password, EC2 access keys) are listed so the
 * reader's reason is the one reported, and left out of the "allowed" list of an unknown-key message.
 */

const refused = (why: string) => opt(str(`Refused: ${why}.`));
const LITERAL = 'secrets are given by reference only (<name>_ref or <name>_file)';
const ref = (what: string) => opt(str(`${what} by SecretStore reference: env:NAME, file:/path, secretsmanager:<id>[#key], ssm:/name.`));

const staticConfig = mapping({ targets: opt(list(str(), 'host:port of each target.')), labels: opt(stringMap('Labels of every target of the group.')) });

const fileConfig = mapping({
  files: opt(list(str(), 'Local paths, or blob:sd/<key> in the gateway bucket; .json, .yml or .yaml; * in the last element.')),
  refresh_interval: opt(duration('Default 5m.')),
});

const basicAuth = mapping(
  { username: opt(str()), username_file: opt(str()), username_ref: ref('The user name'), password_file: opt(str()), password_ref: ref('The password'), password: refused(LITERAL) },
  { allowed: ['username', 'username_file', 'username_ref', 'password_file', 'password_ref'] },
);
const authorization = mapping(
  { type: opt(str('Default Bearer.')), credentials_file: opt(str()), credentials_ref: ref('The credentials'), credentials: refused(LITERAL) },
  { allowed: ['type', 'credentials_file', 'credentials_ref'] },
);
const httpConfig = mapping({ url: opt(str('http:// or https:// URL of the HTTP SD endpoint.')), refresh_interval: opt(duration('Default 1m.')), basic_auth: opt(basicAuth), authorization: opt(authorization) });

const EC2_KEYS = ['region', 'endpoint', 'port', 'filters', 'role_arn', 'refresh_interval'];
const NO_KEYS = "the gateway calls EC2 with its function's own credentials (its IAM role); use role_arn";
const ec2Config = mapping(
  {
    region: opt(str('Default: the region of the environment.')),
    endpoint: opt(str()),
    port: opt(int(1, 65535, 'Default 80.')),
    filters: opt(list(mapping({ name: opt(str()), values: opt(list(str())) }))),
    role_arn: opt(str('IAM role assumed for DescribeInstances.')),
    refresh_interval: opt(duration('Default 1m.')),
    access_key: refused(NO_KEYS),
    secret_key: refused(NO_KEYS),
    profile: refused(NO_KEYS),
  },
  { allowed: EC2_KEYS },
);

/** The four discovery keys of a scrape_configs entry, for lib/config/shape/scrape.ts' scrapeJob. */
export const sdEntries = {
  static_configs: opt(list(staticConfig)),
  file_sd_configs: opt(list(fileConfig)),
  http_sd_configs: opt(list(httpConfig)),
  ec2_sd_configs: opt(list(ec2Config)),
} satisfies Record<(typeof SD_CONFIG_KEYS)[number], v.GenericSchema>;

/** Only the discovery keys of a job: the job's other keys are scrapeJob's. */
const sdOnly = v.looseObject(sdEntries);

/**
 * Problems with the discovery keys of one scrape_configs entry, each with its exact path, in document order
 * (by discovery key, then entry): the schema's, and the reader's semantic ones at paths the schema did not name.
 */
export function validateSdConfigs(rawJob: Record<string, unknown>, path: string): string[] {
  const shape = checkShape(sdOnly, rawJob, path).problems;
  const c = new Checker([], true);
  readSdConfigs(c, rawJob, path);
  const all = mergeProblems(shape, c.problems);
  const rank = (p: string): number => {
    const m = /^\.(\w+)(?:\[(\d+)\])?/.exec(p.slice(path.length));
    return m ? (SD_CONFIG_KEYS as readonly string[]).indexOf(m[1]!) * 1e6 + Number(m[2] ?? 0) : 0;
  };
  return all.map((p, i) => ({ p, i, r: rank(p) })).sort((a, b) => a.r - b.r || a.i - b.i).map((x) => x.p);
}
