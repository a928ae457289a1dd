import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DEFAULT_DEPLOY_OPTIONS, loadSynthConfig } from '../../../infra/options.ts';
import { GatewayStack } from '../../../infra/stacks/gateway-stack.ts';
import { acknowledgeAcceptedFindings } from '../../../infra/stacks/nag-suppressions.ts';
import { ALL_ENTRIES, EXAMPLE_CONFIG, grants } from '../../helpers/infra.ts';

/** gateway.yaml with otlp.delta_to_cumulative only: the Aggregation construct, and a consumer that may send its output. */
function deltaStack() {
  const app = new App();
  const base = loadSynthConfig(EXAMPLE_CONFIG);
  const config = { ...base, config: { ...base.config, otlp: { ...base.config.otlp, deltaToCumulative: { maxStaleMs: 300_000, maxStreamsPerShard: 10_000, shards: 10 } } } };
  const stack = new GatewayStack(app, 'Delta', { config, options: DEFAULT_DEPLOY_OPTIONS, entries: { ...ALL_ENTRIES, aggregate: 'functions/aggregate.ts' }, code: (entry) => lambda.Code.fromInline(`// ${entry}`) });
  return { app, stack, template: Template.fromStack(stack) };
}

function roleOf(template: Template, purpose: RegExp): string {
  const fns = Object.values(template.findResources('AWS::Lambda::Function')).filter((f) => purpose.test(String(f.Properties.Description ?? '')));
  assert.equal(fns.length, 1, `one function for ${purpose}`);
  return (fns[0]!.Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]!;
}

describe('otlp.delta_to_cumulative in the gateway stack', () => {
  const { app, stack, template } = deltaStack();

  it('ingest feeds the aggregation queue; the consumer sends cumulative points to the delivery queue at apply', () => {
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ AGGREGATION_QUEUE_URL: Match.anyValue() }) } });
    assert.ok(grants(template, roleOf(template, /ingest/)).includes('Allow sqs:SendMessage AggregationInputQueue'));
    const consumer = grants(template, roleOf(template, /aggregate(?!-flush)/));
    assert.ok(consumer.includes('Allow sqs:SendMessage Queue'), consumer.join('\n'));
    assert.ok(consumer.includes('Allow s3:PutObject BlobsBucket/spool/*'), consumer.join('\n'));
  });

  it('cdk-nag clean once the accepted findings are acknowledged', () => {
    acknowledgeAcceptedFindings(stack);
    const report = new AwsSolutionsChecks(app).validateScope(app);
    assert.deepEqual(report.violations.map((x) => `${x.ruleName}: ${x.violatingResources.map((r) => r.constructPath).join(', ')}`), []);
  });
});
