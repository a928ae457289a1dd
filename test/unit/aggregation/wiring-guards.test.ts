import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ingestAggregationFromEnv } from '../../../functions/wiring/aggregate-input.ts';
import { parseGatewayConfig } from '../../../lib/config/schema.ts';
import { startLocalRunner } from '../../../lib/local/runner.ts';
import { MemoryBlobStore, MemoryLogger, MemoryQueue } from '../../helpers/fakes.ts';

/** A config with stream_aggregation never runs with matched series going nowhere: the entry points refuse. */
const config = parseGatewayConfig({ auth: { mode: 'none' }, remote_write: [{ url: 'http://a/api/v1/write' }], stream_aggregation: [{ match: 'x', interval: '10s', outputs: ['count_samples'] }] });

describe('stream_aggregation wiring guards', () => {
  it('Lambda ingest: the section without AGGREGATION_QUEUE_URL is refused at start; with it, a hook; without the section, none', () => {
    assert.throws(() => ingestAggregationFromEnv({}, config), /AGGREGATION_QUEUE_URL is not set/);
    assert.ok(ingestAggregationFromEnv({ AGGREGATION_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/agg.fifo', AWS_REGION: 'us-east-1' }, config));
    assert.equal(ingestAggregationFromEnv({}, parseGatewayConfig({ auth: { mode: 'none' } })), undefined);
  });

  it('local runner: the section with backends that have no aggregation queue (SQS/S3 at an endpoint) is refused', async () => {
    const queue = Object.assign(new MemoryQueue(), { receive: async () => [], ack: async () => undefined, release: async () => undefined });
    await assert.rejects(startLocalRunner({ config, backends: { queue, blobs: new MemoryBlobStore(), description: 'memory' }, logger: new MemoryLogger(), host: '127.0.0.1', port: 0 }), /stream_aggregation runs locally with the embedded disk queue only/);
  });
});
