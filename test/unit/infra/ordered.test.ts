import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { GatewayFunction } from '../../../infra/constructs/gateway-function.ts';
import { MetricsQueue } from '../../../infra/constructs/metrics-queue.ts';
import { DEFAULT_DEPLOY_OPTIONS, loadSynthConfig, type DeployOptions } from '../../../infra/options.ts';
import { GatewayStack } from '../../../infra/stacks/gateway-stack.ts';
import { acknowledgeAcceptedFindings } from '../../../infra/stacks/nag-suppressions.ts';
import { ALL_ENTRIES, EXAMPLE_CONFIG } from '../../helpers/infra.ts';

/** The gateway stack with gateway.yaml's queue.ordered set (placeholder code, as in the other infra tests). */
function orderedStack(options: Partial<DeployOptions> = {}) {
  const app = new App();
  const base = loadSynthConfig(EXAMPLE_CONFIG);
  const config = { ...base, config: { ...base.config, queue: { ...base.config.queue, ordered: true, shards: 8 } } };
  const stack = new GatewayStack(app, 'Ordered', {
    config,
    options: { ...DEFAULT_DEPLOY_OPTIONS, ...options },
    entries: { ingest: ALL_ENTRIES.ingest, deliver: ALL_ENTRIES.deliver },
    code: (entry) => lambda.Code.fromInline(`// ${entry}`),
  });
  return { app, stack, template: Template.fromStack(stack) };
}

describe('ordered mode deployment (gateway.yaml queue.ordered)', () => {
  const { template } = orderedStack();

  it('creates a FIFO queue with supplied deduplication ids and high-throughput FIFO, and a FIFO DLQ', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      FifoQueue: true,
      ContentBasedDeduplication: false,
      DeduplicationScope: 'messageGroup',
      FifoThroughputLimit: 'perMessageGroupId',
      MaximumMessageSize: 1048576,
      VisibilityTimeout: 720,
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: 100 },
    });
    template.hasResourceProperties('AWS::SQS::Queue', { FifoQueue: true, RedrivePolicy: Match.absent() });
    template.resourcePropertiesCountIs('AWS::SQS::Queue', { FifoQueue: true }, 2);
  });

  it('the event source has no batching window (FIFO refuses one), 10 messages, partial batch responses', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: Match.absent(),
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 10 },
    });
  });

  it('the default (unordered) stack keeps its standard queue', () => {
    const app = new App();
    const config = loadSynthConfig(EXAMPLE_CONFIG);
    const stack = new GatewayStack(app, 'Std', { config, options: DEFAULT_DEPLOY_OPTIONS, entries: { ingest: ALL_ENTRIES.ingest, deliver: ALL_ENTRIES.deliver }, code: () => lambda.Code.fromInline('x') });
    const t = Template.fromStack(stack);
    t.resourcePropertiesCountIs('AWS::SQS::Queue', { FifoQueue: true }, 0);
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', { MaximumBatchingWindowInSeconds: 1 });
  });

  it('refuses a deliver batch size over 10 for an ordered queue, naming the limit', () => {
    assert.throws(() => orderedStack({ deliverBatchSize: 100, deliverBatchingWindow: 5 }), /deliver batch size must be an integer in 1\.\.10 for an ordered \(FIFO\) queue, got 100/);
  });

  it('MetricsQueue refuses a batching window on a FIFO queue', () => {
    const stack = new Stack(new App(), 'S');
    const q = new MetricsQueue(stack, 'Q', { consumerTimeout: Duration.seconds(60), ordered: true });
    const fn = new GatewayFunction(stack, 'D', { code: lambda.Code.fromInline('x'), purpose: 'deliver', timeout: Duration.seconds(60) });
    assert.throws(() => q.addConsumer(fn.fn, { batchSize: 10, maxBatchingWindow: Duration.seconds(1) }), /an ordered \(FIFO\) queue takes no batching window, got 1 s/);
    assert.equal(q.maxReceiveCount, 100);
  });

  it('passes cdk-nag AwsSolutions once the accepted findings are acknowledged', () => {
    const { app, stack } = orderedStack();
    acknowledgeAcceptedFindings(stack);
    const report = new AwsSolutionsChecks(app).validateScope(app);
    assert.deepEqual(report.violations.map((x) => `${x.ruleName}: ${x.violatingResources.map((r) => r.constructPath).join(', ')}`), []);
  });
});
