import { randomUUID } from 'node:crypto';
import { EmfFlusher } from '../../lib/observability/emf.ts';
import { containerInstanceId, SelfMetricsPublisher } from '../../lib/observability/publish.ts';
import type { AwsDeps } from './aws.ts';

/**
 * Wraps a handler so that at the end of every invocation (success or failure) the counters that moved are
 * written as CloudWatch EMF lines on stdout (function dimension + counter labels), and, at most once per
 * self_metrics.interval per container, a snapshot of the cumulative counters is enqueued as gateway_*
 * series (instance = this container). Neither ever fails the invocation.
 */
export function withSelfMetrics<E, C, R>(
  handler: (event: E, context: C) => Promise<R>,
  d: AwsDeps,
  functionName: string,
  env: NodeJS.ProcessEnv,
  write: (line: string) => void = (line) => process.stdout.write(line + '\n'),
): (event: E, context: C) => Promise<R> {
  const emf = new EmfFlusher({ function: functionName });
  const sm = d.config.selfMetrics;
  const publisher = sm.enabled
    ? new SelfMetricsPublisher({
        intervalMs: sm.intervalMs,
        labels: sm.labels,
        externalLabels: d.config.externalLabels,
        functionName,
        instance: containerInstanceId(env.AWS_LAMBDA_LOG_STREAM_NAME, randomUUID().slice(0, 8)),
        startedAt: d.clock.now(),
        maxMessageBytes: d.config.queue.maxMessageBytes,
        maxSamplesPerMessage: d.config.queue.maxSamplesPerMessage,
        ...(d.config.queue.ordered ? { shards: d.config.queue.shards } : {}),
      })
    : undefined;
  return async (event, context) => {
    try {
      return await handler(event, context);
    } finally {
      try {
        if (publisher) await publisher.publish(() => d.metrics.snapshot(), d.queue, d.clock.now(), d.logger);
        for (const line of emf.flush(d.metrics.snapshot(), d.clock.now())) write(line);
      } catch (err) {
        d.logger.warn('self-metrics flush failed', { error: String(err) });
      }
    }
  };
}
