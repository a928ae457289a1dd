import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Aggregation } from '../../../infra/constructs/aggregation.ts';
import { BlobBucket } from '../../../infra/constructs/blob-bucket.ts';
import { MetricsQueue } from '../../../infra/constructs/metrics-queue.ts';
import { grants } from '../../helpers/infra.ts';

function build() {
  const app = new App();
  const stack = new Stack(app, 'Agg');
  const bucket = new BlobBucket(stack, 'Blobs', {});
  const delivery = new MetricsQueue(stack, 'Queue', { consumerTimeout: Duration.seconds(60) });
  const agg = new Aggregation(stack, 'Aggregation', { code: lambda.Code.fromInline('// functions/aggregate.ts'), bucket, deliveryQueue: delivery });
  return { app, stack, agg, template: Template.fromStack(stack) };
}

function roleId(template: Template, fnPurpose: string): string {
  const fns = template.findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp(fnPurpose) } });
  const [fn] = Object.values(fns);
  return (fn!.Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]!;
}

describe('Aggregation construct', () => {
  test('a FIFO input queue with its DLQ, consumed with partial batch responses, 10 per batch', () => {
    const { template } = build();
    template.hasResourceProperties('AWS::SQS::Queue', { FifoQueue: true, ContentBasedDeduplication: false, DeduplicationScope: 'messageGroup', RedrivePolicy: Match.objectLike({ maxReceiveCount: 100 }) });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { BatchSize: 10, FunctionResponseTypes: ['ReportBatchItemFailures'] });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 minute)' });
    template.hasResourceProperties('AWS::Lambda::Function', { ReservedConcurrentExecutions: 1, Environment: { Variables: Match.objectLike({ AGGREGATION_ROLE: 'flush', AGGREGATION_FLUSH_GRACE_MS: '5000' }) } });
  });

  test('least privilege: each function gets the prefixes and actions it uses, nothing on the whole bucket but 404s', () => {
    const { template } = build();
    const consumer = grants(template, roleId(template, 'aggregate$|^aggregate'));
    const flush = grants(template, roleId(template, 'aggregate-flush'));
    const s3 = (g: string[]) => g.filter((l) => / s3:/.test(l));
    assert.deepEqual(s3(consumer), ['Allow s3:GetObject BlobsBucket/spool/*', 'Allow s3:GetObject BlobsBucket/state/aggregation/*', 'Allow s3:ListBucket BlobsBucket', 'Allow s3:PutObject BlobsBucket/state/aggregation/*']);
    assert.deepEqual(s3(flush), ['Allow s3:GetObject BlobsBucket/state/aggregation/*', 'Allow s3:ListBucket BlobsBucket', 'Allow s3:ListBucket BlobsBucket if {"StringLike":{"s3:prefix":["state/aggregation/*"]}}', 'Allow s3:PutObject BlobsBucket/spool/*', 'Allow s3:PutObject BlobsBucket/state/aggregation/*']);
    assert.ok(flush.some((l) => /sqs:SendMessage Queue/.test(l)));
    assert.ok(!consumer.some((l) => /sqs:SendMessage/.test(l)), 'the consumer sends nothing');
  });

  test('cdk-nag: only the findings the gateway stack already accepts (prefix wildcards, runtime pin)', () => {
    const { app } = build();
    const report = new AwsSolutionsChecks(app).validateScope(app);
    const rules = [...new Set(report.violations.map((x) => x.ruleName.replace(/\[.*$/, '')))].sort();
    assert.deepEqual(rules.filter((r) => !['AwsSolutions-IAM5', 'AwsSolutions-L1', 'AwsSolutions-S1'].includes(r)), []);
  });
});
