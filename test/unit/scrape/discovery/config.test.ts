import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SD_CONFIG_KEYS } from '../../../../lib/scrape/discovery/index.ts';
import { validateSdConfigs } from '../../../../lib/config/shape/discovery.ts';

const P = 'scrape_configs[0]';

describe('validateSdConfigs', () => {
  it('owns the four discovery keys', () => {
    assert.deepEqual([...SD_CONFIG_KEYS], ['static_configs', 'file_sd_configs', 'http_sd_configs', 'ec2_sd_configs']);
  });

  const valid: { name: string; input: Record<string, unknown> }[] = [
    { name: 'no discovery at all', input: {} },
    { name: 'static with labels', input: { static_configs: [{ targets: ['a:9100', 'b:9100'], labels: { env: 'prod' } }] } },
    { name: 'static without targets', input: { static_configs: [{ labels: { env: 'prod' } }] } },
    { name: 'file patterns, local and blob', input: { file_sd_configs: [{ files: ['targets/*.json', '/etc/sd/a.yml', 'blob:sd/nodes-*.yaml', 'x/node_[0-9]?.JSON'], refresh_interval: '30s' }] } },
    { name: 'http minimal', input: { http_sd_configs: [{ url: 'http://sd.local:8080/targets' }] } },
    { name: 'http basic auth by reference', input: { http_sd_configs: [{ url: 'https://sd', basic_auth: { username: 'u', password_ref: 'env:SD_PASS' } }] } },
    { name: 'http basic auth by file', input: { http_sd_configs: [{ url: 'https://sd', basic_auth: { username_ref: 'ssm:/sd/user', password_file: '/run/secrets/p' } }] } },
    { name: 'http bearer by reference', input: { http_sd_configs: [{ url: 'https://sd', refresh_interval: '5m', authorization: { credentials_ref: 'secretsmanager:sd-token#token' } }] } },
    { name: 'http custom scheme', input: { http_sd_configs: [{ url: 'https://sd', authorization: { type: 'Token', credentials_file: '/t' } }] } },
    { name: 'ec2 everything', input: { ec2_sd_configs: [{ region: 'eu-west-2', endpoint: 'http://127.0.0.1:5000', port: 9100, role_arn: 'arn:aws:iam::123456789012:role/sd', refresh_interval: '2m', filters: [{ name: 'tag:env', values: ['prod', 'stage'] }] }] } },
    { name: 'ec2 defaults', input: { ec2_sd_configs: [{}] } },
    { name: 'all four together', input: { static_configs: [{ targets: ['a:1'] }], file_sd_configs: [{ files: ['a.json'] }], http_sd_configs: [{ url: 'http://x' }], ec2_sd_configs: [{ region: 'us-east-1' }] } },
  ];
  for (const t of valid) it(`accepts ${t.name}`, () => assert.deepEqual(validateSdConfigs(t.input, P), []));

  const invalid: { name: string; input: Record<string, unknown>; want: string[] }[] = [
    { name: 'a list that is not a list', input: { static_configs: { targets: ['a:1'] } }, want: [`${P}.static_configs: must be a list, got a mapping`] },
    { name: 'unknown static key', input: { static_configs: [{ target: ['a:1'] }] }, want: [`${P}.static_configs[0].target: unknown field (allowed: targets, labels)`] },
    { name: 'a URL as a static target', input: { static_configs: [{ targets: ['ok:1', 'http://a:1/metrics'] }] }, want: [`${P}.static_configs[0].targets[1]: "http://a:1/metrics" is not a valid hostname`] },
    { name: 'a non-string target', input: { static_configs: [{ targets: [9100] }] }, want: [`${P}.static_configs[0].targets[0]: must be a string, got number 9100`] },
    { name: 'a bad label name', input: { static_configs: [{ targets: ['a:1'], labels: { 'bad-name': 'x' } }] }, want: [`${P}.static_configs[0].labels.bad-name: "bad-name" is not a valid label name`] },
    { name: 'a non-string label value', input: { static_configs: [{ labels: { a: 1 } }] }, want: [`${P}.static_configs[0].labels.a: must be a string, got number 1`] },
    { name: 'file without files', input: { file_sd_configs: [{ refresh_interval: '1m' }] }, want: [`${P}.file_sd_configs[0].files: file service discovery config must contain at least one path name`] },
    { name: 'file with an empty list', input: { file_sd_configs: [{ files: [] }] }, want: [`${P}.file_sd_configs[0].files: file service discovery config must contain at least one path name`] },
    { name: 'file with a wrong extension', input: { file_sd_configs: [{ files: ['a.txt'] }] }, want: [`${P}.file_sd_configs[0].files[0]: path name "a.txt" is not valid for file discovery`] },
    { name: 'file with * in a directory', input: { file_sd_configs: [{ files: ['a/*/b.json'] }] }, want: [`${P}.file_sd_configs[0].files[0]: path name "a/*/b.json" is not valid for file discovery`] },
    { name: 'file with ? in a directory', input: { file_sd_configs: [{ files: ['a?/b.json'] }] }, want: [`${P}.file_sd_configs[0].files[0]: only the last path element may contain wildcards, got "a?/b.json"`] },
    { name: 'file with a broken class', input: { file_sd_configs: [{ files: ['sd/[a-.json'] }] }, want: [`${P}.file_sd_configs[0].files[0]: syntax error in pattern "sd/[a-.json"`] },
    { name: 'blob key outside sd/', input: { file_sd_configs: [{ files: ['blob:state/x.json'] }] }, want: [`${P}.file_sd_configs[0].files[0]: blob store files must be under blob:sd/, got "blob:state/x.json"`] },
    { name: 's3 URL', input: { file_sd_configs: [{ files: ['s3://bucket/sd/x.json'] }] }, want: [`${P}.file_sd_configs[0].files[0]: "s3://bucket/sd/x.json": URLs are not files; use blob:sd/<key>`] },
    { name: 'bad refresh_interval', input: { file_sd_configs: [{ files: ['a.json'], refresh_interval: '5 minutes' }] }, want: [`${P}.file_sd_configs[0].refresh_interval: must be a duration like 30s, 1m30s or 500ms, got string "5 minutes"`] },
    { name: 'http without url', input: { http_sd_configs: [{}] }, want: [`${P}.http_sd_configs[0].url: URL is missing`] },
    { name: 'http with an ftp url', input: { http_sd_configs: [{ url: 'ftp://x/y' }] }, want: [`${P}.http_sd_configs[0].url: URL scheme must be 'http' or 'https'`] },
    { name: 'http with credentials in the url', input: { http_sd_configs: [{ url: 'http://u:p@x/y' }] }, want: [`${P}.http_sd_configs[0].url: credentials in the URL are secrets in the config`] },
    { name: 'http with a literal password', input: { http_sd_configs: [{ url: 'http://x', basic_auth: { username: 'u', password: 'hunter2' } }] }, want: [`${P}.http_sd_configs[0].basic_auth.password: secrets are given by reference only: use password_ref`] },
    { name: 'http with literal credentials', input: { http_sd_configs: [{ url: 'http://x', authorization: { credentials: 'tok' } }] }, want: [`${P}.http_sd_configs[0].authorization.credentials: secrets are given by reference only: use credentials_ref`] },
    { name: 'http with a malformed reference', input: { http_sd_configs: [{ url: 'http://x', authorization: { credentials_ref: 'vault:x' } }] }, want: [`${P}.http_sd_configs[0].authorization.credentials_ref: must be a secret reference`] },
    { name: 'http with both password forms', input: { http_sd_configs: [{ url: 'http://x', basic_auth: { password_file: '/a', password_ref: 'env:B' } }] }, want: [`${P}.http_sd_configs[0].basic_auth: at most one of password_file, password_ref must be configured`] },
    { name: 'http with both auth kinds', input: { http_sd_configs: [{ url: 'http://x', basic_auth: { username: 'u' }, authorization: { credentials_ref: 'env:T' } }] }, want: [`${P}.http_sd_configs[0]: at most one of basic_auth and authorization must be configured`] },
    { name: 'http authorization type basic', input: { http_sd_configs: [{ url: 'http://x', authorization: { type: 'Basic', credentials_ref: 'env:T' } }] }, want: [`${P}.http_sd_configs[0].authorization.type: authorization type cannot be set to "basic", use "basic_auth" instead`] },
    { name: 'http unknown key (tls_config)', input: { http_sd_configs: [{ url: 'http://x', tls_config: {} }] }, want: [`${P}.http_sd_configs[0].tls_config: unknown field`] },
    { name: 'ec2 port out of range', input: { ec2_sd_configs: [{ port: 70000 }] }, want: [`${P}.ec2_sd_configs[0].port: must be between 1 and 65535, got 70000`] },
    { name: 'ec2 port as a string', input: { ec2_sd_configs: [{ port: '9100' }] }, want: [`${P}.ec2_sd_configs[0].port: must be a whole number, got string "9100"`] },
    { name: 'ec2 empty filter values', input: { ec2_sd_configs: [{ filters: [{ name: 'tag:a', values: [] }] }] }, want: [`${P}.ec2_sd_configs[0].filters[0].values: EC2 SD configuration filter values cannot be empty`] },
    { name: 'ec2 filter without a name', input: { ec2_sd_configs: [{ filters: [{ values: ['x'] }] }] }, want: [`${P}.ec2_sd_configs[0].filters[0].name: required`] },
    { name: 'ec2 secret_key', input: { ec2_sd_configs: [{ access_key: 'AKIA', secret_key: 'x' }] }, want: [`${P}.ec2_sd_configs[0].access_key: not supported: the gateway calls EC2 with its function's own credentials`, `${P}.ec2_sd_configs[0].secret_key: not supported`] },
    { name: 'ec2 bad role ARN', input: { ec2_sd_configs: [{ role_arn: 'sd-role' }] }, want: [`${P}.ec2_sd_configs[0].role_arn: must be an IAM role ARN`] },
    { name: 'ec2 bad region', input: { ec2_sd_configs: [{ region: 'Frankfurt' }] }, want: [`${P}.ec2_sd_configs[0].region: must be an AWS region like us-east-1, got "Frankfurt"`] },
    { name: 'ec2 unknown key', input: { ec2_sd_configs: [{ regoin: 'us-east-1' }] }, want: [`${P}.ec2_sd_configs[0].regoin: unknown field (allowed: region, endpoint, port, filters, role_arn, refresh_interval)`] },
    {
      name: 'every problem at once, each with its path',
      input: { static_configs: [{ targets: ['a/b'] }], file_sd_configs: [{ files: ['x.txt'] }], http_sd_configs: [{ url: 'x' }], ec2_sd_configs: [{ port: 0 }] },
      want: [`${P}.static_configs[0].targets[0]:`, `${P}.file_sd_configs[0].files[0]:`, `${P}.http_sd_configs[0].url: invalid URL "x"`, `${P}.ec2_sd_configs[0].port:`],
    },
  ];
  for (const t of invalid) {
    it(`rejects ${t.name}`, () => {
      const got = validateSdConfigs(t.input, P);
      assert.equal(got.length, t.want.length, got.join('\n'));
      t.want.forEach((w, i) => assert.ok(got[i]!.startsWith(w), `problem ${i}: ${got[i]} does not start with ${w}`));
    });
  }

  it('does not change the config it reads', () => {
    const raw = { http_sd_configs: [{ url: 'http://x', basic_auth: { password: 'p' } }], ec2_sd_configs: [{ secret_key: 's' }] };
    const copy = structuredClone(raw);
    validateSdConfigs(raw, P);
    assert.deepEqual(raw, copy);
  });

  it('never quotes a literal secret in a problem', () => {
    const got = validateSdConfigs({ http_sd_configs: [{ url: 'http://x', basic_auth: { password: 'hunter2-secret' }, authorization: { credentials: 'tok-secret' } }] }, P);
    assert.equal(got.length, 2);
    for (const p of got) assert.doesNotMatch(p, /hunter2|tok-secret/);
  });
});

describe('validateSdConfigs on arbitrary input', () => {
  it('never throws: any value under any discovery key gives problems or none', async () => {
    const fc = (await import('fast-check')).default;
    const { ConfigError } = await import('../../../../lib/errors.ts');
    const { discoverJob } = await import('../../../../lib/scrape/discovery/index.ts');
    const { fileDeps } = await import('./helpers.ts');
    const key = fc.constantFrom(...SD_CONFIG_KEYS);
    const field = fc.constantFrom('targets', 'labels', 'files', 'refresh_interval', 'url', 'basic_auth', 'authorization', 'password', 'region', 'port', 'filters', 'role_arn', 'endpoint', 'name', 'values', 'type', 'credentials_ref');
    const value = fc.letrec((tie) => ({
      v: fc.oneof({ depthSize: 'small' }, fc.jsonValue(), fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(field, tie('v'), { maxKeys: 4 })),
    })).v;
    await fc.assert(
      fc.asyncProperty(fc.dictionary(key, fc.oneof(value, fc.array(fc.dictionary(field, value, { maxKeys: 4 }), { maxLength: 3 })), { maxKeys: 4 }), async (raw) => {
        const problems = validateSdConfigs(raw, P);
        assert.ok(Array.isArray(problems));
        for (const p of problems) assert.ok(p.startsWith(`${P}.`), p);
        if (problems.length === 0) return;
        await assert.rejects(discoverJob('j', raw, fileDeps()), (err: Error) => err instanceof ConfigError);
      }),
      { numRuns: 500 },
    );
  });
});

describe('null discovery entries', () => {
  it('a null entry is an error for the scrape function too, as Prometheus ("empty or null section in static_configs")', async () => {
    const { ConfigError } = await import('../../../../lib/errors.ts');
    const { discoverJob } = await import('../../../../lib/scrape/discovery/index.ts');
    const { fileDeps } = await import('./helpers.ts');
    for (const key of SD_CONFIG_KEYS) {
      assert.ok(validateSdConfigs({ [key]: [null] }, P).some((p) => p.startsWith(`${P}.${key}[0]: `)), key);
      await assert.rejects(discoverJob('j', { [key]: [null] }, fileDeps()), (err: Error) => err instanceof ConfigError && err.message.includes(`${key}[0]: empty or null section in ${key}`));
    }
  });
});
