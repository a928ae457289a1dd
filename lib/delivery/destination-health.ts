import type { Clock, Logger, Metrics } from '../ports/index.ts';

/**
 * Per-destination health, per process (a warm Lambda container, or the local runner): a small state machine
 * fed by every remote_write attempt that deliver and replay make, so an outage is logged when it starts,
 * reminded while it lasts and logged when it ends, and so deliver stops waiting out its time budget on
 * a receiver it already knows is down (docs/delivery.md, "Outages").
 *
 *   healthy --first failed attempt--> failing --budget spent once, or a long streak--> down
 *      ^                                 |                                              |
 *      +-------------- first 2xx --------+------------------ first 2xx ----------------+
 *
 * A failed attempt is one the retry policy would retry (5xx, timeout, connection error, 429 when
 * retry_on_http_429 is set). A refusal for good (other 4xx) means the receiver answered: it neither
 * starts nor ends an outage.
 */
export interface HealthThresholds {
  /** A failure streak makes a destination known down once it has lasted this long (ms)... */
  downAfterMs: number;
  /** ...and counts at least this many failed attempts (both: a blip of fast retries is not an outage). */
  downAfterFailures: number;
  /** At most one reminder line per destination per this many ms while an outage lasts. */
  reminderEveryMs: number;
  /** A probe (one attempt while known down) times out after min(remote_timeout, this) at first (see probe()). */
  probeTimeoutMs: number;
}

export const DEFAULT_HEALTH_THRESHOLDS: HealthThresholds = {
  downAfterMs: 30_000,
  downAfterFailures: 10,
  reminderEveryMs: 60_000,
  probeTimeoutMs: 5_000,
};

/** The self-metric (gateway_remote_write_consecutive_failures{destination}); goes up by one per failed attempt, to 0 on a 2xx. */
export const CONSECUTIVE_FAILURES_METRIC = 'remote_write_consecutive_failures';

/** What one attempt came to, as the health sees it. */
export type AttemptOutcome = { kind: 'ok' } | { kind: 'failed'; reason: string } | { kind: 'refused'; status: number };

/** Where an attempt was made and what happens to data the destination cannot take now (logged at the first failure). */
export interface AttemptContext {
  via: 'deliver' | 'replay';
  /** e.g. "retried within the time budget, then parked under overflow/". */
  data: string;
}

export type HealthState = 'healthy' | 'failing' | 'down';

export interface HealthDeps {
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
}

export const HEALTH_LOG = {
  failing: 'remote_write destination failing',
  down: 'remote_write destination known down',
  stillDown: 'remote_write destination still failing',
  recovered: 'remote_write destination recovered',
} as const;

interface Tally {
  failedAttempts: number;
  overflowSamples: number;
  overflowMessages: number;
  heldMessages: number;
}

const zero = (): Tally => ({ failedAttempts: 0, overflowSamples: 0, overflowMessages: 0, heldMessages: 0 });

export class DestinationHealth {
  readonly destination: string;
  private readonly deps: HealthDeps;
  private readonly t: HealthThresholds;
  private _state: HealthState = 'healthy';
  /** Failed attempts since the last 2xx (the gauge's value). */
  private streak = 0;
  private since = 0;
  private lastError = '';
  private lastLineAt = 0;
  private lastProbe = { end: -Infinity, duration: 0 };
  private probeTimeout: number;
  /** A probe is out (one at a time, even if batches ever overlap). */
  private probing = false;
  /** Since the outage began, and since the last line about it. */
  private total = zero();
  private sinceLine = zero();

  constructor(destination: string, deps: HealthDeps, thresholds: HealthThresholds = DEFAULT_HEALTH_THRESHOLDS) {
    this.destination = destination;
    this.deps = deps;
    this.t = thresholds;
    this.probeTimeout = thresholds.probeTimeoutMs;
  }

  get state(): HealthState {
    return this._state;
  }

  get knownDown(): boolean {
    return this._state === 'down';
  }

  get consecutiveFailures(): number {
    return this.streak;
  }

  /** Feeds one attempt. Never throws. */
  record(outcome: AttemptOutcome, ctx: AttemptContext): void {
    const now = this.deps.clock.now();
    if (outcome.kind === 'refused') return;
    if (outcome.kind === 'ok') {
      if (this._state !== 'healthy') this.recover(now, ctx.via);
      return;
    }
    this.streak++;
    this.total.failedAttempts++;
    this.sinceLine.failedAttempts++;
    this.lastError = outcome.reason;
    this.deps.metrics.set(CONSECUTIVE_FAILURES_METRIC, { destination: this.destination }, this.streak);
    if (this._state === 'healthy') {
      this._state = 'failing';
      this.since = now;
      this.line('warn', HEALTH_LOG.failing, now, { error: outcome.reason, data: ctx.data, via: ctx.via });
      return;
    }
    if (this._state === 'failing' && this.streak >= this.t.downAfterFailures && now - this.since >= this.t.downAfterMs) {
      this.markDown(now, `${this.streak} failed attempts in ${Math.round((now - this.since) / 1000)} s`);
      return;
    }
    this.remind(now);
  }

  /** A retry loop used up a whole time budget on this destination without a 2xx: it is known down. */
  budgetSpent(): void {
    if (this._state === 'failing') this.markDown(this.deps.clock.now(), 'a whole retry budget spent without a 2xx');
  }

  /**
   * While known down: the probe to make now (one attempt with this timeout), or undefined when none is due,
   * and the caller parks without contacting the receiver. A probe is due max(max_backoff, the last probe's
   * duration) after the last one ended, so a receiver that swallows requests costs at most half the time.
   * The timeout starts at min(remote_timeout, probeTimeoutMs) and doubles after each probe that timed
   * out, up to remote_timeout: a receiver slower than the short timeout is not taken for down forever.
   */
  probe(maxBackoffMs: number, remoteTimeoutMs: number): { timeoutMs: number } | undefined {
    if (this._state !== 'down' || this.probing) return undefined;
    const now = this.deps.clock.now();
    if (now < this.lastProbe.end + Math.max(maxBackoffMs, this.lastProbe.duration)) return undefined;
    this.probing = true;
    return { timeoutMs: Math.min(remoteTimeoutMs, this.probeTimeout) };
  }

  /** A probe from probe() ended without a 2xx (a 2xx ends the outage through record()). */
  probed(startedAt: number, timedOut: boolean): void {
    this.probing = false;
    if (this._state !== 'down') return;
    const now = this.deps.clock.now();
    this.lastProbe = { end: now, duration: now - startedAt };
    if (timedOut) this.probeTimeout *= 2;
  }

  /** Data written to overflow/ because of the outage. */
  parked(samples: number, messages: number): void {
    if (this._state === 'healthy') return;
    this.total.overflowSamples += samples;
    this.sinceLine.overflowSamples += samples;
    this.total.overflowMessages += messages;
    this.sinceLine.overflowMessages += messages;
    this.remind(this.deps.clock.now());
  }

  /** Ordered mode: messages returned to the queue because of the outage. */
  held(messages: number): void {
    if (this._state === 'healthy') return;
    this.total.heldMessages += messages;
    this.sinceLine.heldMessages += messages;
    this.remind(this.deps.clock.now());
  }

  private markDown(now: number, why: string): void {
    this._state = 'down';
    this.line('warn', HEALTH_LOG.down, now, { why, lastError: this.lastError, outageMs: now - this.since, ...this.sinceLine });
  }

  private remind(now: number): void {
    if (this._state === 'healthy' || now - this.lastLineAt < this.t.reminderEveryMs) return;
    this.line('warn', HEALTH_LOG.stillDown, now, { state: this._state, outageMs: now - this.since, lastError: this.lastError, consecutiveFailures: this.streak, ...this.sinceLine });
  }

  private recover(now: number, via: string): void {
    this.line('info', HEALTH_LOG.recovered, now, { via, outageMs: now - this.since, ...this.total, wasKnownDown: this._state === 'down' });
    this.deps.metrics.set(CONSECUTIVE_FAILURES_METRIC, { destination: this.destination }, 0);
    this._state = 'healthy';
    this.streak = 0;
    this.total = zero();
    this.sinceLine = zero();
    this.lastError = '';
    this.lastProbe = { end: -Infinity, duration: 0 };
    this.probeTimeout = this.t.probeTimeoutMs;
    this.probing = false;
  }

  private line(level: 'warn' | 'info', msg: string, now: number, fields: Record<string, unknown>): void {
    this.lastLineAt = now;
    this.sinceLine = zero();
    this.deps.logger[level](msg, { destination: this.destination, ...fields });
  }
}

/** One DestinationHealth per destination name, created on first use; keep one per process (module scope in functions/). */
export class DestinationHealthRegistry {
  private readonly byName = new Map<string, DestinationHealth>();
  private readonly deps: HealthDeps;
  private readonly thresholds: HealthThresholds;

  constructor(deps: HealthDeps, thresholds: HealthThresholds = DEFAULT_HEALTH_THRESHOLDS) {
    this.deps = deps;
    this.thresholds = thresholds;
  }

  for(destination: string): DestinationHealth {
    let h = this.byName.get(destination);
    if (!h) this.byName.set(destination, (h = new DestinationHealth(destination, this.deps, this.thresholds)));
    return h;
  }
}
