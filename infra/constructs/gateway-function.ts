import { Duration, RemovalPolicy } from 'aws-cdk-lib';
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
}

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
      environment: {
        GATEWAY_CONFIG: BUNDLED_CONFIG_PATH,
        LOG_LEVEL: props.logLevel ?? 'info',
        ...(props.sourceMaps !== false ? { NODE_OPTIONS: '--enable-source-maps' } : {}),
        ...props.environment,
      },
    });
  }
}
