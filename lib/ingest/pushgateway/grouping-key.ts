import { prometheus } from '../prometheus/index.ts';
import { BadRequestError, excerpt } from '../../errors.ts';
import { isValidLabelName, sortLabels } from '../../model/labels.ts';
import type { Label } from '../../model/types.ts';

/**
 * The Pushgateway grouping key in a request path: `/metrics/job/<job>{/<label>/<value>}` or
 * `/metrics/job@base64/<job>{...}`, optionally under `/api/v1/import/prometheus` (VictoriaMetrics' form).
 *
 * - The path is split at `/` first, then every segment is decoded on its own with query-unescape rules: `%XX`
 *   escapes, and `+` is a space. So `%2F` inside a value is a `/` in the value (the Pushgateway splits the
 *   decoded path and answers 400 "odd number of components"), and the `+` that Go's url.QueryEscape and python's
 *   quote_plus write for a space reads as a space (the Pushgateway keeps it as `+`, client_python issue #1064).
 *   Every client library writes a literal `+` as `%2B`; a hand-written URL must too.
 * - `<label>@base64/<value>` and `job@base64/<job>`: RFC 4648 §5 URL-safe base64, padding optional; `=` alone is
 *   the empty value. The decoded bytes must be UTF-8.
 * - `job` must be non-empty; label names must be valid and not start with `__`; a name given twice (including a
 *   second `job`) is rejected; an odd number of segments after the job is rejected; one trailing `/` after the
 *   job is allowed (the Pushgateway allows it too).
 * An empty value is kept in the key (it removes that label from the pushed series).
 * Errors are BadRequestError (400) naming the segment.
 */

/** VictoriaMetrics' text import path, spelled once in prometheus/index.ts. */
const IMPORT_PREFIX: string = prometheus.routes.import.paths[0]!;
const JOB_PREFIX = '/metrics/job/';
const JOB_BASE64_PREFIX = '/metrics/job@base64/';
const BASE64_SUFFIX = '@base64';
const BASE64URL_RE = /^[A-Za-z0-9_-]*$/;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Grouping labels (sorted by name, `job` included) of a raw, still percent-encoded, request path. */
export function groupingKeyFromPath(path: string): Label[] {
  const rest = path.startsWith(IMPORT_PREFIX + '/metrics/') ? path.slice(IMPORT_PREFIX.length) : path;
  if (rest.startsWith(JOB_BASE64_PREFIX)) return parseGroupingKey(rest.slice(JOB_BASE64_PREFIX.length), true);
  if (rest.startsWith(JOB_PREFIX)) return parseGroupingKey(rest.slice(JOB_PREFIX.length), false);
  throw new BadRequestError(`pushgateway: path ${excerpt(path)} does not start with /metrics/job/<job>`);
}

/** Grouping labels of the path tail after `/metrics/job/` (or `/metrics/job@base64/` when jobBase64). */
export function parseGroupingKey(tail: string, jobBase64: boolean): Label[] {
  const segments = tail.split('/');
  const job = decodeSegment(segments[0]!, jobBase64, 'job');
  if (job === '') throw new BadRequestError('pushgateway: job name is required: /metrics/job/<job> with <job> non-empty');
  let pairs = segments.slice(1);
  if (pairs.length === 1 && pairs[0] === '') pairs = [];
  if (pairs.length % 2 !== 0) {
    throw new BadRequestError(
      `pushgateway: odd number of path segments after the job in ${excerpt(tail)}: want /<label>/<value> pairs`,
    );
  }
  const labels: Label[] = [{ name: 'job', value: job }];
  for (let i = 0; i < pairs.length; i += 2) {
    let name = decodeSegment(pairs[i]!, false, 'label name');
    const base64 = name.endsWith(BASE64_SUFFIX);
    if (base64) name = name.slice(0, -BASE64_SUFFIX.length);
    if (!isValidLabelName(name) || name.startsWith('__')) {
      throw new BadRequestError(`pushgateway: improper label name ${excerpt(name, 64)} in the grouping key`);
    }
    if (labels.some((l) => l.name === name)) {
      throw new BadRequestError(`pushgateway: label "${name}" appears twice in the grouping key`);
    }
    labels.push({ name, value: decodeSegment(pairs[i + 1]!, base64, name) });
  }
  return sortLabels(labels);
}

function decodeSegment(raw: string, base64: boolean, what: string): string {
  let s: string;
  try {
    s = decodeURIComponent(raw.includes('+') ? raw.replaceAll('+', ' ') : raw);
  } catch {
    throw new BadRequestError(`pushgateway: invalid percent-encoding in the ${what} segment ${excerpt(raw, 64)}`);
  }
  return base64 ? decodeBase64Url(s, what) : s;
}

/** Go's base64.RawURLEncoding after trimming trailing `=`, as the Pushgateway decodes; the result must be UTF-8. */
export function decodeBase64Url(s: string, what: string): string {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 61) end--;
  const body = s.slice(0, end);
  if (!BASE64URL_RE.test(body) || body.length % 4 === 1) {
    throw new BadRequestError(
      `pushgateway: invalid base64 encoding for ${what} ${excerpt(s, 64)}: want URL-safe base64 (RFC 4648 §5, A-Z a-z 0-9 - _)`,
    );
  }
  try {
    return strictUtf8.decode(Buffer.from(body, 'base64url'));
  } catch {
    throw new BadRequestError(`pushgateway: base64 value for ${what} ${excerpt(s, 64)} is not UTF-8`);
  }
}
