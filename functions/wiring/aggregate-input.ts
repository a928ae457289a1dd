import { createSqsClient } from '../../lib/adapters/aws/clients.ts';
import { SqsMessageQueue } from '../../lib/adapters/aws/sqs-queue.ts';
import type { IngestAggregation } from '../../lib/aggregation/durable/ingest.ts';
import { ingestAggregation } from '../../lib/compose/aggregate.ts';
import type { GatewayConfig } from '../../lib/config/schema.ts';
import { aggregationConfigured } from '../../lib/aggregation/configured.ts';

/**
 * The ingest function's stream aggregation hook (IngestDeps.aggregation): the FIFO input queue at
 * AGGREGATION_QUEUE_URL, set by the stack when gateway.yaml has stream_aggregation. Loaded by
 * functions/ingest.ts only then. A config with the section and no queue is a deployment mistake: refused
 * at start-up rather than forwarding matched series unaggregated.
 */
export function ingestAggregationFromEnv(env: NodeJS.ProcessEnv, config: GatewayConfig): IngestAggregation | undefined {
  if (!aggregationConfigured(config)) return undefined;
  const url = env.AGGREGATION_QUEUE_URL;
  if (!url) throw new Error('gateway.yaml has stream_aggregation but AGGREGATION_QUEUE_URL is not set (deploy functions/aggregate.ts with the stack)');
  const clientOpts = { ...(env.AWS_REGION ? { region: env.AWS_REGION } : {}), ...(env.AWS_ENDPOINT_URL ? { endpoint: env.AWS_ENDPOINT_URL } : {}) };
  return ingestAggregation(config, new SqsMessageQueue(createSqsClient(clientOpts), url, config.queue.maxMessageBytes));
}
