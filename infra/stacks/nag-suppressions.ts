import { Token, Validations } from 'aws-cdk-lib';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { AGGREGATION_STATE_PREFIX, BUCKET_PREFIXES } from '../../lib/queue/bucket-keys.ts';
import type { GatewayStack } from './gateway-stack.ts';

/**
 * The cdk-nag AwsSolutions findings this design accepts, each with its reason (CDK's Validations
 * acknowledgements, which cdk-nag 3 reads). Anything else cdk-nag reports fails synth and the nag test.
 * Stays free of cdk-nag imports: the stack needs no dev dependency to be built.
 */
export function acknowledgeAcceptedFindings(stack: GatewayStack): void {
  const functions = [stack.ingest, stack.deliver, stack.replay, stack.scrape, stack.aggregation?.consumer, stack.aggregation?.flush].filter((f) => f !== undefined);
  const bucketId = stack.resolve(stack.getLogicalId(stack.blobs.bucket.node.defaultChild as s3.CfnBucket)) as string;
  for (const f of functions) {
    for (const prefix of [...Object.values(BUCKET_PREFIXES), AGGREGATION_STATE_PREFIX]) {
      Validations.of(f.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${prefix}*]`,
        reason: `Object actions are scoped to the ${prefix} prefix of the gateway bucket: keys are generated per message and destination, so the prefix wildcard is the narrowest grant.`,
      });
    }
    // Present only when gateway.yaml (ec2_sd_configs: infra/constructs/config-grants.ts) or -c vpcId asks for them.
    Validations.of(f.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'Only for actions granted on * by AWS itself: ec2:DescribeInstances and ec2:DescribeAvailabilityZones (ec2_sd_configs, no resource-level permissions), and with -c vpcId the network-interface actions of AWSLambdaVPCAccessExecutionRole, which Lambda performs in subnets it picks at run time.',
    });
    Validations.of(f.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:aps:*:${Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account}:workspace/*]`,
      reason: 'A sigv4 remote_write URL that names no Amazon Managed Prometheus workspace (a proxy or custom domain): aps:RemoteWrite on the workspaces of this account only.',
    });
    Validations.of(f.fn).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'Pinned to nodejs22.x on purpose: the same Node major as the tests, the benchmarks and the local runner (docs/architecture.md); moved deliberately, not by a linter.',
    });
  }
  Validations.of(stack.blobs.bucket).acknowledge({
    id: 'AwsSolutions-S1',
    reason: 'Only the gateway functions touch this bucket, through prefix-scoped grants; server access logs would need a second bucket and cost more than the data they describe. CloudTrail data events can be enabled per account.',
  });
  if (stack.api.httpApi) {
    Validations.of(stack.api.httpApi).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason: "Push clients (Influx, Pushgateway, OpenTSDB, DataDog agents, ...) cannot sign with SigV4, so the default is an open listener like vmagent's, throttled at the stage; deploy with -c ingestAuth=iam to require SigV4 (Prometheus remote_write sigv4).",
    });
  }
}
