import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { BlobBucket } from '../../../infra/constructs/blob-bucket.ts';
import { BUNDLED_CONFIG_PATH } from '../../../infra/constructs/bundle.ts';
import { GatewayFunction } from '../../../infra/constructs/gateway-function.ts';
import { MetricsQueue, SQS_MAX_MESSAGE_BYTES } from '../../../infra/constructs/metrics-queue.ts';
import { GatewaySchedule } from '../../../infra/constructs/schedule.ts';
import { ALL_ENTRIES, buildStack } from '../../helpers/infra.ts';

function scratch(): Stack {
  return new Stack(new App(), 'Scratch');
}

function inlineFunction(stack: Stack, id: string, timeout = Duration.seconds(60)): GatewayFunction {
  return new GatewayFunction(stack, id, { code: lambda.Code.fromInline('x'), purpose: id.toLowerCase(), timeout });
}

describe('GatewayFunction', () => {
  const { template } = buildStack();
  it('runs Node 22 on arm64 from the bundle, with source maps and the bundled gateway.json', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Environment: { Variables: Match.objectLike({ GATEWAY_CONFIG: BUNDLED_CONFIG_PATH, NODE_OPTIONS: '--enable-source-maps', LOG_LEVEL: 'info', QUEUE_URL: Match.anyValue(), BUCKET: Match.anyValue() }) },
    });
  });
  it('with -c vpcId deliver, replay and scrape run in the subnets, ingest outside; the security group allows no inbound', () => {
    const vpc = { vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'], securityGroupIds: [] };
    const t = buildStack({ entries: ALL_ENTRIES, options: { vpc } }).template;
    const fns = t.findResources('AWS::Lambda::Function');
    for (const [id, fn] of Object.entries(fns)) {
      const config = fn.Properties.VpcConfig as { SubnetIds: string[]; SecurityGroupIds: unknown[] } | undefined;
      if (id.startsWith('Ingest')) assert.equal(config, undefined, id);
      else assert.deepEqual(config?.SubnetIds, vpc.subnetIds, id);
    }
    const groups = Object.values(t.findResources('AWS::EC2::SecurityGroup'));
    assert.equal(groups.length, 1);
    assert.equal(groups[0]!.Properties.VpcId, vpc.vpcId);
    assert.equal(groups[0]!.Properties.SecurityGroupIngress, undefined);
    const given = buildStack({ entries: ALL_ENTRIES, options: { vpc: { ...vpc, securityGroupIds: ['sg-0123456789abcdef0'] } } }).template;
    given.resourceCountIs('AWS::EC2::SecurityGroup', 0);
    given.hasResourceProperties('AWS::Lambda::Function', { Description: 'metrics gateway: deliver', VpcConfig: { SecurityGroupIds: ['sg-0123456789abcdef0'], SubnetIds: vpc.subnetIds } });
  });
  it('with sourceMaps: false no function parses source maps', () => {
    const fns = Object.values(buildStack({ options: { sourceMaps: false } }).template.findResources('AWS::Lambda::Function'));
    assert.equal(fns.length, 2);
    for (const fn of fns) assert.equal((fn.Properties.Environment.Variables as Record<string, string>).NODE_OPTIONS, undefined);
  });
  it('logs to its own log group with a retention', () => {
    template.resourceCountIs('AWS::Logs::LogGroup', 3); // ingest, deliver, API access logs
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    template.hasResourceProperties('AWS::Lambda::Function', { LoggingConfig: { LogGroup: Match.anyValue(), LogFormat: 'Text' } });
  });
  it('ingest answers within API Gateway\'s 30 s integration timeout', () => {
    template.hasResourceProperties('AWS::Lambda::Function', { Description: 'metrics gateway: ingest', Timeout: 29, MemorySize: 1024 });
  });
});

describe('MetricsQueue', () => {
  const stack = scratch();
  const q = new MetricsQueue(stack, 'Q', { consumerTimeout: Duration.seconds(120) });
  const fn = inlineFunction(stack, 'Deliver', Duration.seconds(120));
  q.addConsumer(fn.fn, { batchSize: 100, maxBatchingWindow: Duration.seconds(5), maxConcurrency: 10 });
  const template = Template.fromStack(stack);

  it('holds 1 MiB messages, encrypted, for 14 days, visible again after 6x the consumer timeout, DLQ after 5 receives', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      MaximumMessageSize: SQS_MAX_MESSAGE_BYTES,
      MessageRetentionPeriod: 14 * 86400,
      VisibilityTimeout: 720,
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: 5 },
    });
    assert.equal(SQS_MAX_MESSAGE_BYTES, 1048576);
  });
  it('the DLQ is encrypted, holds 1 MiB messages, and alarms at its first message', () => {
    template.hasResourceProperties('AWS::SQS::Queue', { MaximumMessageSize: 1048576, SqsManagedSseEnabled: true, RedrivePolicy: Match.absent() });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^QDeadLetterQueue'), 'QueueName'] } }],
    });
  });
  it('both queues refuse non-TLS access', () => {
    template.resourcePropertiesCountIs('AWS::SQS::QueuePolicy', { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) } }, 2);
  });
  it('the consumer reports batch item failures with the configured batch size and window', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 5,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 10 },
    });
  });
  const bad = [
    { name: 'batch size past 10000', input: { batchSize: 10001, window: 5 }, want: 'batch size must be an integer in 1..10000' },
    { name: 'batch size 0', input: { batchSize: 0, window: 0 }, want: 'batch size must be an integer in 1..10000' },
    { name: 'window past 300 s', input: { batchSize: 10, window: 301 }, want: 'at most 300 s, got 301 s' },
    { name: 'more than 10 without a window', input: { batchSize: 11, window: 0 }, want: 'batch size 11 > 10 needs a batching window' },
  ];
  for (const t of bad) {
    it(`refuses ${t.name}`, () => {
      const s = scratch();
      const q2 = new MetricsQueue(s, 'Q', { consumerTimeout: Duration.seconds(60) });
      assert.throws(() => q2.addConsumer(inlineFunction(s, 'D').fn, { batchSize: t.input.batchSize, maxBatchingWindow: Duration.seconds(t.input.window) }), { message: new RegExp(t.want) });
    });
  }
  it('refuses a consumer whose timeout is more than a sixth of the visibility timeout', () => {
    const s = scratch();
    const q2 = new MetricsQueue(s, 'Q', { consumerTimeout: Duration.seconds(60) });
    assert.throws(() => q2.addConsumer(inlineFunction(s, 'D', Duration.seconds(61)).fn, { batchSize: 10, maxBatchingWindow: Duration.seconds(0) }), {
      message: /visibility timeout 360 s is less than 6x the consumer's timeout 61 s/,
    });
  });
});

describe('BlobBucket', () => {
  const stack = scratch();
  new BlobBucket(stack, 'B');
  const template = Template.fromStack(stack);
  it('is encrypted, private, bucket-owner only and retained when the stack goes', () => {
    template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      }),
    });
  });
  it('refuses non-TLS access', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) } });
  });
  it('expires overflow/ after 14 days, rejected/ after 30, spool/ after 15 (past the queue and DLQ retention)', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Id: 'expire-overflow', Prefix: 'overflow/', ExpirationInDays: 14, Status: 'Enabled' }),
          Match.objectLike({ Id: 'expire-rejected', Prefix: 'rejected/', ExpirationInDays: 30, Status: 'Enabled' }),
          Match.objectLike({ Id: 'expire-spool', Prefix: 'spool/', ExpirationInDays: 15, Status: 'Enabled' }),
          Match.objectLike({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }),
        ]),
      },
    });
  });
  it('never expires state/', () => {
    const rules = Object.values(template.findResources('AWS::S3::Bucket'))[0]!.Properties.LifecycleConfiguration.Rules as { Prefix?: string; ExpirationInDays?: number }[];
    const expiring = rules.filter((r) => r.ExpirationInDays !== undefined).map((r) => r.Prefix);
    assert.deepEqual(expiring.sort(), ['overflow/', 'rejected/', 'spool/']);
  });
  it('refuses a spool/ retention that a queued message could outlive', () => {
    assert.throws(() => new BlobBucket(scratch(), 'B', { spoolRetention: Duration.days(14) }), { message: /spool\/ retention must outlive the queue and DLQ retention \(14 days\): got 14 days/ });
  });
});

describe('IngestApi', () => {
  it('HTTP API by default: $default route to ingest (payload 2.0), throttled $default stage with JSON access logs', () => {
    const { template } = buildStack();
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: '$default', AuthorizationType: 'NONE' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', { IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 2000 },
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
    });
    template.resourceCountIs('AWS::Lambda::Url', 0);
    template.hasOutput('IngestApiUrl', {});
  });
  it('throttling comes from the deployment options', () => {
    const { template } = buildStack({ options: { apiRateLimit: 50, apiBurstLimit: 100 } });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', { DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 } });
  });
  it('function-url: a Lambda Function URL instead of the HTTP API', () => {
    const { template } = buildStack({ options: { ingestEndpoint: 'function-url' } });
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 0);
    template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'NONE', InvokeMode: 'BUFFERED' });
    template.hasOutput('IngestFunctionUrl', {});
  });
  it('both, with IAM auth: SigV4 on the route and on the Function URL', () => {
    const { template } = buildStack({ options: { ingestEndpoint: 'both', ingestAuth: 'iam' } });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: '$default', AuthorizationType: 'AWS_IAM' });
    template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'AWS_IAM' });
  });
});

describe('schedules', () => {
  it('replay and scrape are wired only when their handler files exist', () => {
    buildStack().template.resourceCountIs('AWS::Events::Rule', 0);
    const { template } = buildStack({ entries: ALL_ENTRIES });
    template.resourcePropertiesCountIs('AWS::Events::Rule', { ScheduleExpression: 'rate(1 minute)', State: 'ENABLED' }, 2);
    template.hasResourceProperties('AWS::Events::Rule', { Targets: [Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 } })] });
    template.hasResourceProperties('AWS::Lambda::Function', { Description: 'metrics gateway: replay', ReservedConcurrentExecutions: 1 });
    template.hasResourceProperties('AWS::Lambda::Function', { Description: 'metrics gateway: scrape', Timeout: 55 });
  });
  it('refuses a rate under EventBridge\'s one minute', () => {
    const s = scratch();
    assert.throws(() => new GatewaySchedule(s, 'S', { handler: inlineFunction(s, 'F').fn, every: Duration.seconds(30), description: 'x' }), { message: /at least one minute .* got 30 s/ });
  });
});

describe('GatewayMonitoring', () => {
  const { template } = buildStack({ entries: ALL_ENTRIES, options: { alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:oncall' } });
  it('alarms on queue age, and on errors and throttles of every function', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ApproximateAgeOfOldestMessage', Threshold: 900 });
    for (const fn of ['Ingest', 'Deliver', 'Replay', 'Scrape']) {
      for (const metric of ['Errors', 'Throttles']) {
        template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          MetricName: metric,
          Namespace: 'AWS/Lambda',
          Dimensions: [{ Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp(`^${fn}Function`) } }],
        });
      }
    }
  });
  it('every alarm, the DLQ one included, notifies the alarm topic', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    assert.equal(alarms.length, 10); // DLQ, queue age, 4 functions x (errors, throttles)
    for (const a of alarms) assert.deepEqual(a.Properties.AlarmActions, ['arn:aws:sns:eu-west-1:123456789012:oncall']);
  });
  it('counts rejected and overflow events, and sums their samples, per destination from the deliver logs', () => {
    for (const [name, msg, value] of [
      ['RejectedWrites', 'destination rejected data for good; kept under rejected/', '1'],
      ['RejectedSamples', 'destination rejected data for good; kept under rejected/', '$.samples'],
      ['OverflowEvents', 'destination unavailable within the time budget; overflowing', '1'],
      ['OverflowSamples', 'data parked under overflow/ for replay', '$.samples'],
    ] as const) {
      template.hasResourceProperties('AWS::Logs::MetricFilter', {
        LogGroupName: { Ref: Match.stringLikeRegexp('^DeliverLogs') },
        FilterPattern: `{ $.msg = "${msg}" }`,
        MetricTransformations: [{ MetricName: name, MetricNamespace: 'MetricsGateway', MetricValue: value, Dimensions: [{ Key: 'destination', Value: '$.destination' }], Unit: 'Count' }],
      });
    }
    template.resourceCountIs('AWS::Logs::MetricFilter', 4);
  });
  it('the dashboard shows the DLQ, the queue age and one line per configured destination', () => {
    const dash = Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0]!;
    const body = JSON.stringify(dash.Properties.DashboardBody);
    for (const want of ['Dead-letter queue depth', 'ApproximateAgeOfOldestMessage', 'RejectedWrites', 'RejectedSamples', 'OverflowEvents', 'OverflowSamples', '\\"destination\\",\\"victoriametrics\\"', 'HTTP API']) {
      assert.ok(body.includes(want), `dashboard lacks ${want}`);
    }
  });
});
