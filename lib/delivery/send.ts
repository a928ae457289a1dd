import type { RemoteWriteConfig } from '../config/schema.ts';
import type { Clock, HttpClient, Logger, Metrics } from '../ports/index.ts';
import type { RequestAuthorizer } from '../remote-write/auth/types.ts';
import { sendRemoteWrite } from '../remote-write/client.ts';
import { decideRetry } from '../remote-write/retry.ts';
import type { AttemptOutcome } from './destination-health.ts';
import { STOPPED, unlessStopped } from './stopping.ts';

/** What one send needs; DeliveryDeps and ReplayDeps both satisfy it. */
export interface SendDeps {
  http: HttpClient;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  /** Uniform in [0, 1): jitter. */
  random: () => number;
  /** Fires when the host is stopping (lib/delivery/stopping.ts): the loop gives up at once. */
  stopping?: AbortSignal;
}

export type SendVerdict = { kind: 'sent'; written?: { samples: number; histograms: number; exemplars: number } } | { kind: 'rejected'; status: number; excerpt: string } | { kind: 'gave-up'; reason: string };

export interface SendOptions {
  /** Counter incremented (with the destination label) per retry; default delivery_retries_total. */
  retriesCounter?: string;
  /** Stop after this many attempts (1: a single probe, no retry); default unlimited within the deadline. */
  maxAttempts?: number;
  /** The destination's own client (TLS options, proxy); default deps.http. */
  http?: HttpClient;
  /** Adds the destination's auth headers (basic, bearer, OAuth2, SigV4) to each attempt. */
  authorizer?: RequestAuthorizer;
  /** Caps each attempt's timeout below remote_timeout (a probe's short timeout). */
  attemptTimeoutMs?: number;
  /**
   * Sees every attempt's outcome (destination-health.ts); returning 'give-up' after a retryable failure
   * ends the loop with gave-up (the destination is known down: stop waiting out the budget).
   */
  observe?: (outcome: AttemptOutcome) => 'give-up' | void;
  /** The message the body holds (its Content-Type and version header); default remote_write 1.0. */
  message?: 'v1' | 'v2';
}

/**
 * The one retry loop of the gateway (deliver and replay both use it): sends one compressed WriteRequest,
 * retrying what the policy (lib/remote-write/retry.ts) says is retryable with its backoff, until `deadline`
 * (ms epoch) or maxAttempts. Each attempt's timeout is remote_timeout, cut to what is left of the budget.
 * When deps.stopping fires, it gives up at once, even during an attempt or a wait (the attempt is dropped).
 * Never throws: the verdict says sent, rejected for good (status and response excerpt), or gave up.
 */
export async function sendWithRetries(body: Uint8Array, cfg: RemoteWriteConfig, deadline: number, deps: SendDeps, opts: SendOptions = {}): Promise<SendVerdict> {
  const maxAttempts = opts.maxAttempts ?? Infinity;
  const stopped: SendVerdict = { kind: 'gave-up', reason: 'the gateway is stopping' };
  for (let attempt = 0; ; attempt++) {
    const remaining = deadline - deps.clock.now();
    if (remaining <= 0) return { kind: 'gave-up', reason: 'time budget used up' };
    if (deps.stopping?.aborted) return stopped;
    const res = await unlessStopped(sendRemoteWrite(opts.http ?? deps.http, cfg, body, Math.min(cfg.remoteTimeoutMs, opts.attemptTimeoutMs ?? Infinity, remaining), opts.authorizer, opts.message), deps.stopping);
    if (res === STOPPED) return stopped;
    const verdict = decideRetry(res.outcome, attempt, cfg.queue, deps.clock.now(), deps.random());
    if (verdict.action === 'done') {
      opts.observe?.({ kind: 'ok' });
      return res.written ? { kind: 'sent', written: res.written } : { kind: 'sent' };
    }
    const status = res.outcome.kind === 'status' ? res.outcome.status : 0;
    if (verdict.action === 'reject') {
      opts.observe?.({ kind: 'refused', status });
      return { kind: 'rejected', status, excerpt: res.responseExcerpt };
    }
    const why = res.outcome.kind === 'status' ? `HTTP ${res.outcome.status}` : res.outcome.message;
    if (opts.observe?.({ kind: 'failed', reason: why }) === 'give-up') return { kind: 'gave-up', reason: why };
    if (attempt + 1 >= maxAttempts) return { kind: 'gave-up', reason: why };
    deps.metrics.inc(opts.retriesCounter ?? 'delivery_retries_total', { destination: cfg.name });
    if (deps.clock.now() + verdict.delayMs >= deadline) return { kind: 'gave-up', reason: why };
    deps.logger.debug('retrying remote_write', { destination: cfg.name, attempt, delayMs: verdict.delayMs, reason: why });
    if ((await unlessStopped(deps.clock.sleep(verdict.delayMs), deps.stopping)) === STOPPED) return stopped;
  }
}
