/**
 * The remote_write retry policy, as a pure function of the attempt, the outcome and Retry-After.
 * Compatibility (Prometheus storage/remote): 5xx is retried with backoff doubling from min_backoff to
 * max_backoff; other 4xx never are; 429 only when retry_on_http_429 is set (Cortex and Amazon Managed
 * Prometheus answer 429 for limits that never clear); network errors and timeouts are retried.
 */
export type SendOutcome = { kind: 'status'; status: number; retryAfter?: string } | { kind: 'error'; message: string };

export type Verdict = { action: 'done' } | { action: 'retry'; delayMs: number } | { action: 'reject' };

export interface RetryPolicy {
  minBackoffMs: number;
  maxBackoffMs: number;
  retryOnHttp429: boolean;
}

export function classifyOutcome(outcome: SendOutcome, retryOn429: boolean): 'done' | 'retry' | 'reject' {
  if (outcome.kind === 'error') return 'retry';
  const s = outcome.status;
  if (s >= 200 && s < 300) return 'done';
  if (s >= 500) return 'retry';
  if (s === 429) return retryOn429 ? 'retry' : 'reject';
  return 'reject';
}

/**
 * attempt counts from 0 (the delay before the first retry). random is in [0, 1). The backoff doubles per
 * attempt from min to max with ±50% jitter (never below min); a Retry-After header, when present on a
 * retryable answer, replaces the computed delay (capped at 10x max_backoff so a hostile header cannot park
 * a destination for hours).
 */
export function decideRetry(outcome: SendOutcome, attempt: number, policy: RetryPolicy, now: number, random: number): Verdict {
  const c = classifyOutcome(outcome, policy.retryOnHttp429);
  if (c !== 'retry') return { action: c };
  if (outcome.kind === 'status' && outcome.retryAfter !== undefined) {
    const ra = parseRetryAfter(outcome.retryAfter, now);
    if (ra !== undefined) return { action: 'retry', delayMs: Math.min(ra, policy.maxBackoffMs * 10) };
  }
  const base = Math.min(policy.maxBackoffMs, policy.minBackoffMs * 2 ** Math.min(attempt, 30));
  const jittered = base * (0.5 + random);
  return { action: 'retry', delayMs: Math.max(policy.minBackoffMs, Math.min(policy.maxBackoffMs, Math.round(jittered))) };
}

/** Retry-After as delta-seconds or an HTTP-date, in milliseconds from now; undefined if unparsable. */
export function parseRetryAfter(v: string, now: number): number | undefined {
  const t = v.trim();
  if (/^\d+$/.test(t)) return Number(t) * 1000;
  const d = Date.parse(t);
  if (Number.isNaN(d)) return undefined;
  return Math.max(0, d - now);
}
