import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { BUNDLE_FILE, BUNDLED_CONFIG_PATH } from './bundle.ts';

export interface GatewayFunctionProps {
  /** The function's code: bundledCode(entry, configText) in the stack; anything in tests. */
  code: lambda.Code;
  /** What the function is (ingest, deliver, replay, scrape): its description and the function label of its logs. */
  purpose: string;
  timeout: Duration;
  /** MB; default 1024 (CPU scales with memory, and ingest decompresses up to 32 MiB bodies). */
  memorySize?: number;
  environment?: Record<string, string>;
  /** Default one month. */
  logRetention?: logs.RetentionDays;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Caps concurrent executions (protects the queue and the receivers); default unreserved. */
  reservedConcurrency?: number;
  /** Sets NODE_OPTIONS=--enable-source-maps (the code must carry maps: bundledCode's sourceMaps). Default true. */
  sourceMaps?: boolean;
  /** Runs the function in these subnets (its role then may manage the network interfaces Lambda needs). */
  network?: FunctionNetwork;
}

export interface FunctionNetwork {
  vpc: ec2.IVpc;
  subnets: ec2.ISubnet[];
  securityGroups: ec2.ISecurityGroup[];
}

/**
 * What Lambda does with the execution role to attach a function to a VPC: the actions of the AWS managed
 * policy AWSLambdaVPCAccessExecutionRole, granted inline because the roles here start with no managed policy.
 * The describe actions take no resource; Lambda creates the interfaces in subnets it chooses at run time.
 */
export const VPC_ACCESS_ACTIONS = ['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'];

/** The runtime every function uses: the Node major the tests and the local runner use. */
export const GATEWAY_RUNTIME = lambda.Runtime.NODEJS_22_X;

/**
 * A gateway Lambda function with the project's defaults: Node 22 on arm64, the esbuild bundle's
 * `index.handler`, source maps enabled (unless sourceMaps: false), a log group with retention, and a role that starts with nothing
 * but writing to that log group (no AWS managed policy): each concern grants what it needs on top.
 */
export class GatewayFunction extends Construct {
  readonly fn: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: GatewayFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `metrics gateway ${props.purpose} function`,
    });
    this.logGroup.grantWrite(this.role);
    if (props.network) this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: VPC_ACCESS_ACTIONS, resources: ['*'] }));
    this.fn = new lambda.Function(this, 'Function', {
      code: props.code,
      handler: `${BUNDLE_FILE.replace(/\.m?js$/, '')}.handler`,
      runtime: GATEWAY_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.TEXT,
      description: `metrics gateway: ${props.purpose}`,
      ...(props.reservedConcurrency !== undefined ? { reservedConcurrentExecutions: props.reservedConcurrency } : {}),
      ...(props.network ? { vpc: props.network.vpc, vpcSubnets: { subnets: props.network.subnets }, securityGroups: props.network.securityGroups } : {}),
      environment: {
        GATEWAY_CONFIG: BUNDLED_CONFIG_PATH,
        LOG_LEVEL: props.logLevel ?? 'info',
        ...(props.sourceMaps !== false ? { NODE_OPTIONS: '--enable-source-maps' } : {}),
        ...props.environment,
      },
    });
  }
}
