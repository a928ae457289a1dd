import { CfnOutput, RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** How push clients reach the ingest function. */
export type IngestEndpoint = 'http-api' | 'function-url' | 'both';

export interface IngestApiProps {
  handler: lambda.IFunction;
  /** Default 'http-api'. */
  endpoint?: IngestEndpoint;
  /** Steady-state requests per second across the API; default 1000. */
  rateLimit?: number;
  /** Burst bucket size; default 2000. */
  burstLimit?: number;
  /**
   * 'none' (default): every push client can reach it, as with vmagent's open listener.
   * 'iam': SigV4-signed requests only (Prometheus remote_write `sigv4:`, other AWS principals).
   */
  auth?: 'none' | 'iam';
  accessLogRetention?: logs.RetentionDays;
}

/**
 * The push endpoint. One `$default` route sends every path to the ingest function, whose router answers
 * each ingest and status route (/api/v1/write, /write, /api/v2/write, /influx/*, /api/v1/import*,
 * /metrics/job/*, /api/put, /graphite, /datadog/*, /opentelemetry/*, /ping, /health, /query,
 * /insert/<tenant>/...) and 404s the rest: one route list, kept in the code that serves it. The stage
 * throttles and writes JSON access logs. A Lambda Function URL can replace or sit beside it (no 30 s
 * integration timeout and no API Gateway cost, but no throttling: cap the function's concurrency instead).
 */
export class IngestApi extends Construct {
  readonly httpApi: apigw.HttpApi | undefined;
  readonly stage: apigw.HttpStage | undefined;
  readonly functionUrl: lambda.FunctionUrl | undefined;

  constructor(scope: Construct, id: string, props: IngestApiProps) {
    super(scope, id);
    const endpoint = props.endpoint ?? 'http-api';
    const iam = props.auth === 'iam';
    if (endpoint !== 'function-url') {
      this.httpApi = new apigw.HttpApi(this, 'HttpApi', {
        description: 'metrics gateway push endpoint (every ingest protocol)',
        createDefaultStage: false,
        defaultIntegration: new HttpLambdaIntegration('Ingest', props.handler, { payloadFormatVersion: apigw.PayloadFormatVersion.VERSION_2_0 }),
        ...(iam ? { defaultAuthorizer: new HttpIamAuthorizer() } : {}),
      });
      const accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: props.accessLogRetention ?? logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
      this.stage = new apigw.HttpStage(this, 'Stage', {
        httpApi: this.httpApi,
        stageName: '$default',
        autoDeploy: true,
        throttle: { rateLimit: props.rateLimit ?? 1000, burstLimit: props.burstLimit ?? 2000 },
        accessLogSettings: { destination: new apigw.LogGroupLogDestination(accessLogs), format: AccessLogFormat.jsonWithStandardFields() },
      });
      new CfnOutput(scope, 'IngestApiUrl', { value: this.stage.url, description: 'Push endpoint (HTTP API): e.g. <url>api/v1/write' });
    }
    if (endpoint !== 'http-api') {
      this.functionUrl = new lambda.FunctionUrl(this, 'FunctionUrl', {
        function: props.handler,
        authType: iam ? lambda.FunctionUrlAuthType.AWS_IAM : lambda.FunctionUrlAuthType.NONE,
        invokeMode: lambda.InvokeMode.BUFFERED,
      });
      new CfnOutput(scope, 'IngestFunctionUrl', { value: this.functionUrl.url, description: 'Push endpoint (Lambda Function URL): e.g. <url>api/v1/write' });
    }
  }
}
