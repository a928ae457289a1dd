import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DEFAULT_DEPLOY_OPTIONS, loadSynthConfig } from '../../../infra/options.ts';
import { GatewayStack, type FunctionEntries } from '../../../infra/stacks/gateway-stack.ts';
import { ALL_ENTRIES, EXAMPLE_CONFIG, grants } from '../../helpers/infra.ts';

/** The Pushgateway aggregation mode alone (no stream_aggregation) gets the same durable shards in the stack. */
function stack(aggregation: boolean, entries: FunctionEntries = { ...ALL_ENTRIES, aggregate: 'functions/aggregate.ts' }) {
  const app = new App();
  const base = loadSynthConfig(EXAMPLE_CONFIG);
  assert.equal(base.config.streamAggregation, undefined, 'the example config has no stream_aggregation: this test would prove nothing');
  const pushgateway = aggregation ? { aggregation: { ttlMs: 900_000, intervalMs: 30_000, shards: 10 } } : {};
  const config = { ...base, config: { ...base.config, pushgateway } };
  const s = new GatewayStack(app, 'PgAgg', { config, options: DEFAULT_DEPLOY_OPTIONS, entries, code: (entry) => lambda.Code.fromInline(`// ${entry}`) });
  return Template.fromStack(s);
}

describe('pushgateway.aggregation in the gateway stack', () => {
  it('adds the Aggregation construct (FIFO input, consumer, flush) and lets ingest send to it', () => {
    const t = stack(true);
    t.hasResourceProperties('AWS::SQS::Queue', { FifoQueue: true, DeduplicationScope: 'messageGroup' });
    t.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ AGGREGATION_QUEUE_URL: Match.anyValue() }) } });
    t.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ AGGREGATION_ROLE: 'flush' }) } });
    const ingestRole = Object.values(t.findResources('AWS::Lambda::Function')).find((f) => /ingest/.test(String(f.Properties.Description ?? '')))!;
    assert.ok(grants(t, (ingestRole.Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]!).includes('Allow sqs:SendMessage AggregationInputQueue'));
  });

  it('without the mode there is no aggregation queue', () => {
    assert.deepEqual(Object.keys(stack(false).findResources('AWS::SQS::Queue', { Properties: { FifoQueue: true } })), []);
  });

  it('refuses to synthesize without functions/aggregate.ts (pushes would go nowhere)', () => {
    assert.throws(() => stack(true, { ...ALL_ENTRIES }), /aggregate function/);
  });
});
