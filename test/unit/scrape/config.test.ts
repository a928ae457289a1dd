import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { parseGatewayConfig } from '../../../lib/config/schema.ts';
import { ConfigError } from '../../../lib/errors.ts';

function problems(raw: unknown, readFile?: (p: string) => unknown): string[] {
  try {
    parseGatewayConfig({ auth: { mode: 'none' }, ...(raw as object) }, readFile);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe('scrape config', () => {
  it('reads a prometheus.yml-shaped job with Prometheus defaults', () => {
    const c = parseGatewayConfig({ auth: { mode: 'none' }, global: { scrape_interval: '15s', external_labels: { cluster: 'a' } }, scrape_configs: [{ job_name: 'node', static_configs: [{ targets: ['h:9100'] }] }] });
    const j = c.scrape[0]!;
    assert.equal(j.jobName, 'node');
    assert.equal(j.scrapeIntervalMs, 15_000);
    assert.equal(j.scrapeTimeoutMs, 10_000);
    assert.equal(j.metricsPath, '/metrics');
    assert.equal(j.scheme, 'http');
    assert.equal(j.honorLabels, false);
    assert.equal(j.honorTimestamps, true);
    assert.equal(j.sampleLimit, 0);
    assert.deepEqual(c.externalLabels, [{ name: 'cluster', value: 'a' }]);
  });

  it('caps the global timeout at a shorter job interval (Prometheus)', () => {
    const c = parseGatewayConfig({ auth: { mode: 'none' }, scrape_configs: [{ job_name: 'fast', scrape_interval: '5s' }] });
    assert.equal(c.scrape[0]!.scrapeTimeoutMs, 5_000);
  });

  it('reads every supported key', () => {
    const c = parseGatewayConfig({ auth: { mode: 'none' },
      scrape_configs: [
        {
          job_name: 'all',
          scrape_interval: '30s',
          scrape_timeout: '5s',
          metrics_path: '/probe',
          scheme: 'https',
          params: { module: ['http_2xx'] },
          honor_labels: true,
          honor_timestamps: false,
          sample_limit: 100,
          label_limit: 10,
          label_name_length_limit: 50,
          label_value_length_limit: 60,
          body_size_limit: '10MB',
          basic_auth: { username: 'u', password_file: '/run/secrets/p' },
          tls_config: { ca_file: '/ca.pem', server_name: 'x', min_version: 'TLS12' },
          relabel_configs: [{ source_labels: ['__address__'], target_label: 'instance' }],
          metric_relabel_configs: [{ action: 'drop', source_labels: ['__name__'], regex: 'go_.*' }],
          static_configs: [{ targets: ['a:1'], labels: { env: 'prod' } }],
        },
      ],
    });
    const j = c.scrape[0]!;
    assert.equal(j.bodySizeLimitBytes, 10 * 1024 * 1024);
    assert.deepEqual(j.basicAuth, { username: 'u', passwordRef: 'file:/run/secrets/p' });
    assert.deepEqual(j.params, { module: ['http_2xx'] });
    assert.equal(j.tls?.minVersion, 'TLS12');
    assert.equal(j.metricRelabel.rules.length, 1);
  });

  const bad: { name: string; input: unknown; want: string }[] = [
    { name: 'unknown job key', input: { scrape_configs: [{ job_name: 'a', scrape_intervall: '1m' }] }, want: 'scrape_configs[0].scrape_intervall: unknown field' },
    { name: 'missing job_name', input: { scrape_configs: [{ static_configs: [] }] }, want: 'scrape_configs[0].job_name: required' },
    { name: 'duplicate job', input: { scrape_configs: [{ job_name: 'a' }, { job_name: 'a' }] }, want: 'scrape_configs[1].job_name: duplicate job name "a"' },
    { name: 'timeout over interval', input: { scrape_configs: [{ job_name: 'a', scrape_interval: '10s', scrape_timeout: '20s' }] }, want: 'scrape_configs[0].scrape_timeout: must not exceed scrape_interval' },
    { name: 'global timeout over interval', input: { global: { scrape_interval: '10s', scrape_timeout: '20s' } }, want: 'global.scrape_timeout: must not exceed global.scrape_interval' },
    { name: 'bad duration', input: { scrape_configs: [{ job_name: 'a', scrape_interval: '10 s' }] }, want: 'scrape_configs[0].scrape_interval: must be a duration' },
    { name: 'bad scheme', input: { scrape_configs: [{ job_name: 'a', scheme: 'ftp' }] }, want: 'scrape_configs[0].scheme: must be http or https' },
    { name: 'literal password', input: { scrape_configs: [{ job_name: 'a', basic_auth: { username: 'u', password: 'hunter2' } }] }, want: 'scrape_configs[0].basic_auth.password: literal secrets are not accepted' },
    { name: 'literal credentials', input: { scrape_configs: [{ job_name: 'a', authorization: { credentials: 'tok' } }] }, want: 'scrape_configs[0].authorization.credentials: literal secrets are not accepted' },
    { name: 'bad secret ref', input: { scrape_configs: [{ job_name: 'a', authorization: { credentials_ref: 'vault:x' } }] }, want: 'scrape_configs[0].authorization.credentials_ref: must be env:NAME' },
    { name: 'both auths', input: { scrape_configs: [{ job_name: 'a', basic_auth: { username: 'u' }, authorization: { credentials_ref: 'env:T' } }] }, want: 'at most one of basic_auth and authorization' },
    { name: 'bad body size', input: { scrape_configs: [{ job_name: 'a', body_size_limit: '10 parsecs' }] }, want: 'scrape_configs[0].body_size_limit: must be a size' },
    { name: 'negative sample_limit', input: { scrape_configs: [{ job_name: 'a', sample_limit: -1 }] }, want: 'scrape_configs[0].sample_limit: must be between 0' },
    { name: 'bad relabel', input: { scrape_configs: [{ job_name: 'a', metric_relabel_configs: [{ regex: '(' }] }] }, want: 'scrape_configs[0].metric_relabel_configs[0].regex' },
    { name: 'unknown tls key', input: { scrape_configs: [{ job_name: 'a', tls_config: { key: 'literal' } }] }, want: 'scrape_configs[0].tls_config.key: unknown field' },
    { name: 'bad static target', input: { scrape_configs: [{ job_name: 'a', static_configs: [{ targets: [1] }] }] }, want: 'scrape_configs[0].static_configs[0].targets[0]' },
    { name: 'unknown global key', input: { global: { scrape_intervals: '1m' } }, want: 'global.scrape_intervals: unknown field' },
    { name: 'scrape_config_files without file access', input: { scrape_config_files: ['jobs.yml'] }, want: 'scrape_config_files[0]: cannot read files here' },
  ];
  for (const t of bad) {
    it(`rejects ${t.name}`, () => {
      const p = problems(t.input);
      assert.ok(p.some((x) => x.includes(t.want)), `${JSON.stringify(p)} should include ${t.want}`);
    });
  }

  it('reads scrape_config_files and reports their problems with the file in the path', () => {
    const files: Record<string, string> = {
      'a.yml': 'scrape_configs:\n  - job_name: from_file\n    static_configs: [{targets: ["x:1"]}]\n',
      'b.yml': 'scrape_configs:\n  - job_name: bad\n    honor_label: true\n',
    };
    // What the loaders pass: the file read and parsed (lib/config/load.ts parses YAML).
    const read = (p: string): unknown => {
      const f = files[p];
      if (f === undefined) throw new Error(`ENOENT: ${p}`);
      return parse(f);
    };
    const c = parseGatewayConfig({ auth: { mode: 'none' }, scrape_configs: [{ job_name: 'inline' }], scrape_config_files: ['a.yml'] }, read);
    assert.deepEqual(c.scrape.map((j) => j.jobName), ['inline', 'from_file']);
    const p = problems({ scrape_config_files: ['b.yml', 'missing.yml'] }, read);
    assert.ok(p.some((x) => x.startsWith('scrape_config_files[0] (b.yml) scrape_configs[0].honor_label: unknown field')), JSON.stringify(p));
    assert.ok(p.some((x) => x.startsWith('scrape_config_files[1]: cannot read "missing.yml"')), JSON.stringify(p));
    const dup = problems({ scrape_configs: [{ job_name: 'from_file' }], scrape_config_files: ['a.yml'] }, read);
    assert.ok(dup.some((x) => x.includes('duplicate job name "from_file"')), JSON.stringify(dup));
  });
});
