import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DEFAULT_DEPLOY_OPTIONS, loadSynthConfig } from '../../../infra/options.ts';
import { GatewayStack, type FunctionEntries } from '../../../infra/stacks/gateway-stack.ts';
import { acknowledgeAcceptedFindings } from '../../../infra/stacks/nag-suppressions.ts';
import { ALL_ENTRIES, EXAMPLE_CONFIG, grants } from '../../helpers/infra.ts';

/** gateway.yaml with stream_aggregation: the stack adds the Aggregation construct and lets ingest feed it (issue 15 item 5). */
function aggregationStack(entries: FunctionEntries = { ...ALL_ENTRIES, aggregate: 'functions/aggregate.ts' }) {
  const app = new App();
  const base = loadSynthConfig(EXAMPLE_CONFIG);
  const streamAggregation = { rules: [{ match: 'jobs_total', interval: '1m', outputs: ['total'] }], path: 'stream_aggregation', keepInput: false, dropInput: false, shards: 10 };
  const config = { ...base, config: { ...base.config, streamAggregation } };
  const stack = new GatewayStack(app, 'Agg', { config, options: DEFAULT_DEPLOY_OPTIONS, entries, code: (entry) => lambda.Code.fromInline(`// ${entry}`) });
  return { app, stack, template: Template.fromStack(stack) };
}

function roleOf(template: Template, purpose: RegExp): string {
  const fns = Object.values(template.findResources('AWS::Lambda::Function')).filter((f) => purpose.test(String(f.Properties.Description ?? '')));
  assert.equal(fns.length, 1, `one function for ${purpose}`);
  return (fns[0]!.Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]!;
}

describe('stream_aggregation in the gateway stack', () => {
  const { app, stack, template } = aggregationStack();

  it('ingest may send to the aggregation FIFO queue (and knows its URL); nothing more than before on the bucket', () => {
    const ingest = grants(template, roleOf(template, /ingest/));
    assert.ok(ingest.includes('Allow sqs:SendMessage AggregationInputQueue'), ingest.join('\n'));
    assert.deepEqual(ingest.filter((l) => / s3:/.test(l)), ['Allow s3:GetObject BlobsBucket/state/*', 'Allow s3:ListBucket BlobsBucket if {"StringLike":{"s3:prefix":["state/*"]}}', 'Allow s3:PutObject BlobsBucket/spool/*']);
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ AGGREGATION_QUEUE_URL: Match.anyValue() }) } });
  });

  it('consumer and flush read and write state/aggregation/ only; the flush sends to the delivery queue', () => {
    const consumer = grants(template, roleOf(template, /aggregate(?!-flush)/));
    const flush = grants(template, roleOf(template, /aggregate-flush/));
    const s3 = (g: string[]) => g.filter((l) => / s3:/.test(l));
    assert.deepEqual(s3(consumer), ['Allow s3:GetObject BlobsBucket/spool/*', 'Allow s3:GetObject BlobsBucket/state/aggregation/*', 'Allow s3:ListBucket BlobsBucket', 'Allow s3:PutObject BlobsBucket/state/aggregation/*']);
    assert.deepEqual(s3(flush), ['Allow s3:GetObject BlobsBucket/state/aggregation/*', 'Allow s3:ListBucket BlobsBucket', 'Allow s3:ListBucket BlobsBucket if {"StringLike":{"s3:prefix":["state/aggregation/*"]}}', 'Allow s3:PutObject BlobsBucket/spool/*', 'Allow s3:PutObject BlobsBucket/state/aggregation/*']);
    assert.ok(flush.includes('Allow sqs:SendMessage Queue'));
    assert.ok(!consumer.some((l) => /sqs:SendMessage/.test(l)));
    template.resourceCountIs('AWS::Events::Rule', 2 + 1); // replay, scrape, aggregation flush
  });

  it('cdk-nag clean once the accepted findings are acknowledged', () => {
    acknowledgeAcceptedFindings(stack);
    const report = new AwsSolutionsChecks(app).validateScope(app);
    assert.deepEqual(report.violations.map((x) => `${x.ruleName}: ${x.violatingResources.map((r) => r.constructPath).join(', ')}`), []);
  });

  it('without functions/aggregate.ts the stack refuses to synthesize (matched series would go nowhere)', () => {
    assert.throws(() => aggregationStack({ ...ALL_ENTRIES }), /stream_aggregation: the aggregate function/);
  });
});
