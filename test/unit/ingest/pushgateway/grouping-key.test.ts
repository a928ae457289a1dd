import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BadRequestError } from '../../../../lib/errors.ts';
import { groupingKeyFromPath, parseGroupingKey } from '../../../../lib/ingest/pushgateway/grouping-key.ts';

/** The grouping key as a plain object, for short table entries. */
function key(path: string): Record<string, string> {
  return Object.fromEntries(groupingKeyFromPath(path).map((l) => [l.name, l.value]));
}

describe('groupingKeyFromPath', () => {
  const table: { name: string; input: string; want: Record<string, string> }[] = [
    { name: 'job only', input: '/metrics/job/backup', want: { job: 'backup' } },
    { name: 'one trailing slash after the job', input: '/metrics/job/backup/', want: { job: 'backup' } },
    { name: 'label pairs', input: '/metrics/job/a/instance/host1/zone/eu', want: { instance: 'host1', job: 'a', zone: 'eu' } },
    { name: 'VictoriaMetrics prefix', input: '/api/v1/import/prometheus/metrics/job/a/instance/b', want: { instance: 'b', job: 'a' } },
    { name: 'base64 job (python: job "a/b")', input: '/metrics/job@base64/YS9i', want: { job: 'a/b' } },
    { name: 'base64 job under the VictoriaMetrics prefix', input: '/api/v1/import/prometheus/metrics/job@base64/YS9i/x/y', want: { job: 'a/b', x: 'y' } },
    { name: '= alone is the empty value (python, empty instance)', input: '/metrics/job/j/instance@base64/=', want: { instance: '', job: 'j' } },
    { name: 'base64 with padding (python: "/var/tmp")', input: '/metrics/job/j/path@base64/L3Zhci90bXA=', want: { job: 'j', path: '/var/tmp' } },
    { name: 'base64 without padding (Go RawURLEncoding)', input: '/metrics/job/j/path@base64/L3Zhci90bXA', want: { job: 'j', path: '/var/tmp' } },
    { name: 'URL-safe - in base64 (python: "a/b?c>d")', input: '/metrics/job/j/k@base64/YS9iP2M-ZA==', want: { job: 'j', k: 'a/b?c>d' } },
    { name: 'URL-safe _ in base64 ("x/ÿ?")', input: '/metrics/job/j/k@base64/eC_Dvz8', want: { job: 'j', k: 'x/ÿ?' } },
    { name: 'UTF-8 in base64 (python: "ünï/cödé")', input: '/metrics/job/j/u@base64/w7xuw68vY8O2ZMOp', want: { job: 'j', u: 'ünï/cödé' } },
    { name: 'base64 of two slashes', input: '/metrics/job/j/s@base64/Ly8=', want: { job: 'j', s: '//' } },
    { name: '+ is a space (python quote_plus, Go QueryEscape)', input: '/metrics/job/my+job/label/value+with+spaces', want: { job: 'my job', label: 'value with spaces' } },
    { name: '%2B is a plus', input: '/metrics/job/j/x/a%2Bb', want: { job: 'j', x: 'a+b' } },
    { name: 'percent escapes', input: '/metrics/job/j/q/%3F%26%3D/h/localhost%3A80', want: { h: 'localhost:80', job: 'j', q: '?&=' } },
    { name: '%2F inside a value is a slash (prom-client encodeURIComponent)', input: '/metrics/job/batch%2F1/path/%2Fvar%2Ftmp', want: { job: 'batch/1', path: '/var/tmp' } },
    { name: 'empty value between slashes', input: '/metrics/job/j/a//b/c', want: { a: '', b: 'c', job: 'j' } },
    { name: 'unreserved characters kept', input: '/metrics/job/j/v/~_-.', want: { job: 'j', v: '~_-.' } },
  ];
  for (const { name, input, want } of table) {
    it(name, () => assert.deepEqual(key(input), want));
  }

  it('returns labels sorted by name', () => {
    assert.deepEqual(
      groupingKeyFromPath('/metrics/job/j/zz/1/aa/2').map((l) => l.name),
      ['aa', 'job', 'zz'],
    );
  });

  const errors: { name: string; input: string; want: string }[] = [
    { name: 'empty job', input: '/metrics/job/', want: 'pushgateway: job name is required: /metrics/job/<job> with <job> non-empty' },
    { name: 'empty base64 job', input: '/metrics/job@base64/=', want: 'pushgateway: job name is required' },
    { name: 'empty job before labels', input: '/metrics/job//a/b', want: 'pushgateway: job name is required' },
    { name: 'odd number of segments', input: '/metrics/job/j/a', want: 'pushgateway: odd number of path segments after the job in "j/a": want /<label>/<value> pairs' },
    { name: 'odd number of segments (three)', input: '/metrics/job/j/a/b/c', want: 'pushgateway: odd number of path segments' },
    { name: 'trailing slash after pairs', input: '/metrics/job/j/a/b/', want: 'pushgateway: odd number of path segments' },
    { name: 'unencoded slash in a value', input: '/metrics/job/some_job/bla/foo/bar', want: 'pushgateway: odd number of path segments' },
    { name: 'reserved label name', input: '/metrics/job/j/__x/y', want: 'pushgateway: improper label name "__x" in the grouping key' },
    { name: 'label name starting with a digit', input: '/metrics/job/j/1a/y', want: 'pushgateway: improper label name "1a" in the grouping key' },
    { name: 'empty label name', input: '/metrics/job/j//y', want: 'pushgateway: improper label name "" in the grouping key' },
    { name: 'job given twice', input: '/metrics/job/j/job/k', want: 'pushgateway: label "job" appears twice in the grouping key' },
    { name: 'job given twice in base64', input: '/metrics/job/j/job@base64/aw', want: 'pushgateway: label "job" appears twice in the grouping key' },
    { name: 'label given twice', input: '/metrics/job/j/a/1/a/2', want: 'pushgateway: label "a" appears twice in the grouping key' },
    { name: 'standard base64 alphabet', input: '/metrics/job/j/a@base64/L3Zhci90bXA%2F', want: 'pushgateway: invalid base64 encoding for a "L3Zhci90bXA/": want URL-safe base64' },
    { name: 'base64 of impossible length', input: '/metrics/job/j/a@base64/YS9iP', want: 'pushgateway: invalid base64 encoding for a "YS9iP"' },
    { name: 'base64 job with bad characters', input: '/metrics/job@base64/a!b', want: 'pushgateway: invalid base64 encoding for job "a!b"' },
    { name: 'base64 that is not UTF-8', input: '/metrics/job/j/a@base64/_w', want: 'pushgateway: base64 value for a "_w" is not UTF-8' },
    { name: 'bad percent-encoding', input: '/metrics/job/%zz', want: 'pushgateway: invalid percent-encoding in the job segment "%zz"' },
    { name: 'bad percent-encoding in a label name', input: '/metrics/job/j/%E0%A4%A/x', want: 'pushgateway: invalid percent-encoding in the label name segment' },
    { name: 'not a push path', input: '/metrics/jobs/x', want: 'pushgateway: path "/metrics/jobs/x" does not start with /metrics/job/<job>' },
  ];
  for (const { name, input, want } of errors) {
    it(`rejects ${name}`, () => {
      assert.throws(
        () => groupingKeyFromPath(input),
        (err: unknown) => err instanceof BadRequestError && err.status === 400 && err.message.startsWith(want),
      );
    });
  }
});

/** python prometheus_client's _escape_grouping_key: base64 for "/" or empty, else quote_plus. */
function pythonEscape(k: string, v: string): string {
  if (v === '') return `${k}@base64/=`;
  if (v.includes('/')) return `${k}@base64/${Buffer.from(v).toString('base64').replace(/\+/g, '-').replace(/\//g, '_')}`; // urlsafe_b64encode, padded
  return `${k}/${encodeURIComponent(v).replace(/%20/g, '+').replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())}`;
}

/** client_golang's push: base64.RawURLEncoding for "/", else url.QueryEscape. */
function goEscape(k: string, v: string): string {
  if (v.includes('/')) return `${k}@base64/${Buffer.from(v).toString('base64url')}`;
  return `${k}/${encodeURIComponent(v).replace(/%20/g, '+')}`;
}

/** prom-client's Pushgateway: encodeURIComponent for every name and value. */
function promClientEscape(k: string, v: string): string {
  return `${encodeURIComponent(k)}/${encodeURIComponent(v)}`;
}

describe('grouping keys written by client libraries read back exactly', () => {
  const labelName = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,8}$/).filter((n) => !n.startsWith('__') && n !== 'job');
  const grouping = fc.record({
    job: fc.string({ unit: 'binary', minLength: 1, maxLength: 10 }),
    labels: fc.uniqueArray(fc.tuple(labelName, fc.string({ unit: 'binary', maxLength: 10 })), { selector: (t) => t[0], maxLength: 4 }),
  });
  const clients: [string, (k: string, v: string) => string, boolean][] = [
    ['python prometheus_client', pythonEscape, true],
    ['client_golang', goEscape, true],
    ['prom-client', promClientEscape, false],
  ];
  for (const [client, escape, emptyViaBase64] of clients) {
    it(client, () => {
      fc.assert(
        fc.property(grouping, ({ job, labels }) => {
          // prom-client writes an empty value as an empty segment; the others use `@base64/=` or a non-empty value.
          const usable = emptyViaBase64 ? labels : labels.filter(([, v]) => v !== '');
          const path = '/metrics/' + [escape('job', job), ...usable.map(([k, v]) => escape(k, v))].join('/');
          const want = Object.fromEntries([['job', job], ...usable]);
          assert.deepEqual(key(path), want);
        }),
        { numRuns: 500 },
      );
    });
  }

  it('only BadRequestError escapes for arbitrary tails', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), fc.boolean(), (tail, b64) => {
        try {
          parseGroupingKey(tail, b64);
        } catch (err) {
          assert.ok(err instanceof BadRequestError, String(err));
          assert.ok(err.message.startsWith('pushgateway: '));
        }
      }),
      { numRuns: 2000 },
    );
  });
});
