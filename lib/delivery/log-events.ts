/**
 * The deliver function's log lines that the CloudWatch metric filters turn into metrics (infra/constructs/
 * monitoring.ts), by their `msg`. Each carries `destination`; `samples` where noted is what the *Samples
 * metrics sum. Changing a message changes a metric: test/unit/delivery/log-events.test.ts holds both ends.
 */
export const DELIVER_LOG_EVENTS = {
  /** One per request the destination refused for good (4xx); `samples` in it. */
  rejected: 'destination rejected data for good; kept under rejected/',
  /**
   * One per batch in which a destination stayed down past the time budget, or, known down already, failed
   * its probe or had no probe due (destination-health.ts). Info level: the outage's warnings come from the health.
   */
  unavailable: 'destination unavailable within the time budget; overflowing',
  /** One per batch and destination that parked data for replay; `samples` and `messages` in it. */
  parked: 'data parked under overflow/ for replay',
} as const;
