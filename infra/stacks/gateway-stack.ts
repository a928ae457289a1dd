import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { Aggregation } from '../constructs/aggregation.ts';
import { BlobBucket } from '../constructs/blob-bucket.ts';
import { bundledCode } from '../constructs/bundle.ts';
import { GatewayFunction, type FunctionNetwork } from '../constructs/gateway-function.ts';
import { IngestApi } from '../constructs/ingest-api.ts';
import { MetricsQueue } from '../constructs/metrics-queue.ts';
import { GatewayMonitoring, type MonitoredFunction } from '../constructs/monitoring.ts';
import { GatewaySchedule } from '../constructs/schedule.ts';
import { grantConfigAccess } from '../constructs/config-grants.ts';
import { grantSecretReads } from '../constructs/secret-grants.ts';
import { authSecretRefs } from '../../lib/config/auth.ts';
import type { DeployOptions, SynthConfig, VpcOptions } from '../options.ts';
import { BUCKET_PREFIXES } from '../../lib/queue/bucket-keys.ts';
import { aggregationConfigured } from '../../lib/aggregation/configured.ts';

const { spool: SPOOL, overflow: OVERFLOW, rejected: REJECTED, state: STATE, sd: SD } = BUCKET_PREFIXES;

/** Handler files (functions/<name>.ts). replay and scrape are wired only when given (when their files exist). */
export interface FunctionEntries {
  ingest: string;
  deliver: string;
  replay?: string;
  scrape?: string;
  /** functions/aggregate.ts: required when gateway.yaml has stream_aggregation. */
  aggregate?: string;
}

export interface GatewayStackProps extends StackProps {
  config: SynthConfig;
  options: DeployOptions;
  entries: FunctionEntries;
  /** Lambda code for an entry; default: bundled with esbuild at synth, gateway.yaml inside. */
  code?: (entry: string) => lambda.Code;
}

/** API Gateway's integration timeout is 30 s: ingest answers before it. */
const INGEST_TIMEOUT = Duration.seconds(29);

/** The whole gateway: composes one construct per concern and grants each function only what it uses. */
export class GatewayStack extends Stack {
  readonly queue: MetricsQueue;
  readonly blobs: BlobBucket;
  readonly ingest: GatewayFunction;
  readonly deliver: GatewayFunction;
  readonly replay: GatewayFunction | undefined;
  readonly scrape: GatewayFunction | undefined;
  /** stream_aggregation in gateway.yaml: its FIFO input queue, consumer and flush (infra/constructs/aggregation.ts). */
  readonly aggregation: Aggregation | undefined;
  readonly api: IngestApi;
  readonly monitoring: GatewayMonitoring;

  constructor(scope: Construct, id: string, props: GatewayStackProps) {
    super(scope, id, { description: 'Serverless Prometheus-compatible metrics gateway (push -> SQS -> remote_write)', ...props });
    const o = props.options;
    const code = props.code ?? ((entry: string) => bundledCode(entry, props.config.text, { sourceMaps: o.sourceMaps }));
    const deliverTimeout = Duration.seconds(o.deliverTimeout);

    // queue.ordered in gateway.yaml makes it a FIFO queue: ingest then sends with message groups (docs/ordering.md).
    const ordered = props.config.config.queue.ordered;
    this.queue = new MetricsQueue(this, 'Queue', { consumerTimeout: deliverTimeout, ordered });
    this.blobs = new BlobBucket(this, 'Blobs', {
      overflowRetention: Duration.days(o.overflowRetentionDays),
      rejectedRetention: Duration.days(o.rejectedRetentionDays),
    });
    const env = { QUEUE_URL: this.queue.queue.queueUrl, BUCKET: this.blobs.bucket.bucketName };
    const common = { logRetention: o.logRetentionDays as logs.RetentionDays, environment: env, sourceMaps: o.sourceMaps };
    // deliver, replay and scrape reach receivers and targets, which may be private; ingest never needs the VPC.
    const network = o.vpc ? { network: this.network(o.vpc) } : {};

    // ingest: enqueue, and claim-check payloads too big for one message under spool/.
    this.ingest = new GatewayFunction(this, 'Ingest', { ...common, purpose: 'ingest', code: code(props.entries.ingest), timeout: INGEST_TIMEOUT, memorySize: o.ingestMemory });
    this.queue.grantSend(this.ingest.fn);
    this.blobs.grantObjects(this.ingest.fn, SPOOL, ['s3:PutObject']);
    // ingest: read the secrets `auth:` references (exactly those ARNs and parameter names).
    grantSecretReads(this.ingest.fn, authSecretRefs(props.config.config.auth));

    // deliver: consume (event source), read and delete claim-checked payloads, park data under overflow/ and rejected/.
    this.deliver = new GatewayFunction(this, 'Deliver', { ...common, ...network, purpose: 'deliver', code: code(props.entries.deliver), timeout: deliverTimeout, memorySize: o.deliverMemory });
    // Ordered: no batching window (FIFO refuses one); invocations run one per active message group, at
    // most min(shards, deliverMaxConcurrency) at once: no reserved concurrency is needed to keep order.
    this.queue.addConsumer(this.deliver.fn, { batchSize: o.deliverBatchSize, maxBatchingWindow: Duration.seconds(ordered ? 0 : o.deliverBatchingWindow), maxConcurrency: o.deliverMaxConcurrency });
    this.blobs.grantObjects(this.deliver.fn, SPOOL, ['s3:GetObject', 's3:DeleteObject']);
    this.blobs.grantMissingKeyAsNotFound(this.deliver.fn);
    this.blobs.grantObjects(this.deliver.fn, OVERFLOW, ['s3:PutObject']);
    this.blobs.grantObjects(this.deliver.fn, REJECTED, ['s3:PutObject']);
    this.queue.grantSend(this.deliver.fn); // its gateway_* self-metrics (lib/observability/publish.ts)
    // deliver: remote auth of the destinations (secret references, role_arn, aps:RemoteWrite for sigv4).
    grantConfigAccess(this.deliver.fn, props.config.text, ['remote_write']);

    const monitored: MonitoredFunction[] = [
      { name: 'ingest', fn: this.ingest.fn },
      { name: 'deliver', fn: this.deliver.fn },
    ];

    // stream_aggregation (docs/stream-aggregation.md): ingest sends matched series to the FIFO input queue
    // (one message group per shard); the consumer and the flush own state/aggregation/.
    if (aggregationConfigured(props.config.config)) {
      if (!props.entries.aggregate) throw new Error('gateway.yaml has stream_aggregation: the aggregate function (functions/aggregate.ts) must be deployed with it (as with any aggregation section)');
      this.aggregation = new Aggregation(this, 'Aggregation', {
        code: code(props.entries.aggregate),
        bucket: this.blobs,
        deliveryQueue: this.queue,
        functionDefaults: { logRetention: o.logRetentionDays as logs.RetentionDays },
        // otlp.delta_to_cumulative sends each cumulative point when its delta is applied; the Pushgateway
        // mode sends a DELETE's staleness markers when the DELETE is applied.
        sendsAtApply: props.config.config.otlp.deltaToCumulative !== undefined || props.config.config.pushgateway?.aggregation !== undefined,
      });
      this.aggregation.grantInput(this.ingest.fn);
      this.ingest.fn.addEnvironment('AGGREGATION_QUEUE_URL', this.aggregation.input.queue.queueUrl);
      monitored.push({ name: 'aggregate', fn: this.aggregation.consumer.fn }, { name: 'aggregate-flush', fn: this.aggregation.flush.fn });
    }

    if (props.entries.replay) {
      // replay (lib/delivery/replay.ts): list overflow/ oldest first, delete after a 2xx or past a cap, move
      // refusals to rejected/, enqueue its self-metrics. One at a time, so runs never overlap.
      this.replay = new GatewayFunction(this, 'Replay', { ...common, ...network, purpose: 'replay', code: code(props.entries.replay), timeout: Duration.minutes(5), memorySize: o.deliverMemory, reservedConcurrency: 1 });
      this.blobs.grantList(this.replay.fn, OVERFLOW);
      this.blobs.grantObjects(this.replay.fn, OVERFLOW, ['s3:GetObject', 's3:DeleteObject']);
      this.blobs.grantObjects(this.replay.fn, REJECTED, ['s3:PutObject']);
      this.queue.grantSend(this.replay.fn);
      grantConfigAccess(this.replay.fn, props.config.text, ['remote_write']);
      new GatewaySchedule(this, 'ReplaySchedule', { handler: this.replay.fn, description: 'metrics gateway: drain overflow/ into the receivers' });
      monitored.push({ name: 'replay', fn: this.replay.fn });
    }
    if (props.entries.scrape) {
      // scrape: like ingest (enqueue, spool), plus per-target state (staleness, last scrape) under state/.
      // One schedule per shard (the event names the shard), so each target is scraped by exactly one invocation per minute.
      this.scrape = new GatewayFunction(this, 'Scrape', { ...common, ...network, purpose: 'scrape', code: code(props.entries.scrape), timeout: Duration.seconds(55), memorySize: o.ingestMemory, reservedConcurrency: o.scrapeShards });
      this.queue.grantSend(this.scrape.fn);
      this.blobs.grantObjects(this.scrape.fn, SPOOL, ['s3:PutObject']);
      this.blobs.grantObjects(this.scrape.fn, STATE, ['s3:GetObject', 's3:PutObject']);
      this.blobs.grantMissingKeyAsNotFound(this.scrape.fn);
      // scrape: target and discovery credentials by reference, ec2_sd_configs, role_arn; file_sd from the bucket (blob:sd/).
      grantConfigAccess(this.scrape.fn, props.config.text, ['scrape_configs']);
      if (props.config.text.includes(`blob:${SD}`)) {
        // file_sd_configs reading target files from the bucket (blob:sd/...).
        this.blobs.grantList(this.scrape.fn, SD);
        this.blobs.grantObjects(this.scrape.fn, SD, ['s3:GetObject']);
      }
      if (o.scrapeShards === 1) new GatewaySchedule(this, 'ScrapeSchedule', { handler: this.scrape.fn, description: 'metrics gateway: scrape targets once a minute' });
      for (let shard = 0; o.scrapeShards > 1 && shard < o.scrapeShards; shard++) {
        new GatewaySchedule(this, `ScrapeSchedule${shard}`, { handler: this.scrape.fn, description: `metrics gateway: scrape shard ${shard} of ${o.scrapeShards} once a minute`, input: { shard, shards: o.scrapeShards, time: events.EventField.time } });
      }
      // The ingest function serves /api/v1/targets and /targets from the scrape status under state/.
      this.blobs.grantList(this.ingest.fn, STATE);
      this.blobs.grantObjects(this.ingest.fn, STATE, ['s3:GetObject']);
      monitored.push({ name: 'scrape', fn: this.scrape.fn });
    }

    this.api = new IngestApi(this, 'Api', { handler: this.ingest.fn, endpoint: o.ingestEndpoint, auth: o.ingestAuth, rateLimit: o.apiRateLimit, burstLimit: o.apiBurstLimit });

    const alarmActions: cloudwatch.IAlarmAction[] = o.alarmTopicArn ? [new actions.SnsAction(sns.Topic.fromTopicArn(this, 'AlarmTopic', o.alarmTopicArn))] : [];
    this.monitoring = new GatewayMonitoring(this, 'Monitoring', {
      queue: this.queue.queue,
      deadLetterQueue: this.queue.deadLetterQueue,
      dlqAlarm: this.queue.dlqAlarm,
      functions: monitored,
      deliverLogGroup: this.deliver.logGroup,
      destinations: props.config.config.remoteWrite.map((rw) => rw.name),
      ...(this.api.httpApi ? { httpApi: this.api.httpApi } : {}),
      alarmActions,
    });

    new CfnOutput(this, 'QueueUrl', { value: this.queue.queue.queueUrl });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.queue.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'BucketName', { value: this.blobs.bucket.bucketName });
    new CfnOutput(this, 'DashboardName', { value: this.monitoring.dashboard.dashboardName });
  }

  /** The VPC, subnets and security groups by id: no lookup, so synth stays offline. */
  private network(v: VpcOptions): FunctionNetwork {
    // The AZs are not needed: the subnets are given explicitly, and Lambda takes their AZs from them.
    const vpc = ec2.Vpc.fromVpcAttributes(this, 'Vpc', { vpcId: v.vpcId, availabilityZones: v.subnetIds.map((_, i) => `az-${i}`) });
    const subnets = v.subnetIds.map((id, i) => ec2.Subnet.fromSubnetId(this, `Subnet${i}`, id));
    const securityGroups = v.securityGroupIds.length
      ? v.securityGroupIds.map((id, i) => ec2.SecurityGroup.fromSecurityGroupId(this, `SecurityGroup${i}`, id))
      : [new ec2.SecurityGroup(this, 'FunctionsSecurityGroup', { vpc, description: 'metrics gateway deliver, replay and scrape: outbound only', allowAllOutbound: true })];
    return { vpc, subnets, securityGroups };
  }
}
