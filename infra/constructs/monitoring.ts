import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DELIVER_LOG_EVENTS } from '../../lib/delivery/log-events.ts';

/** Namespace of the metrics the log metric filters publish. */
export const METRICS_NAMESPACE = 'MetricsGateway';

/** The deliver log lines the metric filters match (owned by the code that writes them). */
export { DELIVER_LOG_EVENTS };

export interface MonitoredFunction {
  name: string;
  fn: lambda.Function;
}

export interface GatewayMonitoringProps {
  queue: sqs.IQueue;
  deadLetterQueue: sqs.IQueue;
  dlqAlarm: cloudwatch.Alarm;
  functions: readonly MonitoredFunction[];
  /** The deliver function's log group: rejected and overflow events per destination come from it. */
  deliverLogGroup: logs.ILogGroup;
  /** remote_write destination names from gateway.yaml: one line per destination on the dashboard. */
  destinations: readonly string[];
  httpApi?: apigw.HttpApi;
  /** Alarm when the oldest queued message is older than this; default 15 minutes. */
  maxQueueAge?: Duration;
  /** Where alarms notify (an SNS topic action, ...); default none (the alarms still show in the console). */
  alarmActions?: readonly cloudwatch.IAlarmAction[];
}

/**
 * Alarms and one dashboard: DLQ depth (alarm from the queue construct), queue age, errors and throttles per
 * function, and per destination the writes kept under rejected/ and the overflow events (data parked in
 * overflow/ for replay), counted from the deliver function's JSON logs by metric filters.
 */
export class GatewayMonitoring extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: GatewayMonitoringProps) {
    super(scope, id);
    const minute = Duration.minutes(1);
    const fiveMinutes = Duration.minutes(5);

    const queueAge = props.queue.metricApproximateAgeOfOldestMessage({ period: minute, statistic: 'Maximum' });
    this.add(
      new cloudwatch.Alarm(this, 'QueueAgeAlarm', {
        alarmDescription: 'Queued data is not being delivered (deliver function failing, throttled or too slow).',
        metric: queueAge,
        threshold: (props.maxQueueAge ?? Duration.minutes(15)).toSeconds(),
        evaluationPeriods: 5,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
    props.dlqAlarm.addAlarmAction(...(props.alarmActions ?? []));

    for (const { name, fn } of props.functions) {
      this.add(
        new cloudwatch.Alarm(this, `${title(name)}ErrorsAlarm`, {
          alarmDescription: `The ${name} function is failing (see its log group).`,
          metric: fn.metricErrors({ period: fiveMinutes, statistic: 'Sum' }),
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      );
      this.add(
        new cloudwatch.Alarm(this, `${title(name)}ThrottlesAlarm`, {
          alarmDescription: `The ${name} function is throttled (account or reserved concurrency).`,
          metric: fn.metricThrottles({ period: fiveMinutes, statistic: 'Sum' }),
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      );
    }

    // Events count log lines; *Samples sum their `samples` field (lib/delivery/log-events.ts).
    this.logMetric('Rejected', props.deliverLogGroup, DELIVER_LOG_EVENTS.rejected, 'RejectedWrites', '1');
    this.logMetric('RejectedSamples', props.deliverLogGroup, DELIVER_LOG_EVENTS.rejected, 'RejectedSamples', '$.samples');
    this.logMetric('Overflow', props.deliverLogGroup, DELIVER_LOG_EVENTS.unavailable, 'OverflowEvents', '1');
    this.logMetric('OverflowSamples', props.deliverLogGroup, DELIVER_LOG_EVENTS.parked, 'OverflowSamples', '$.samples');
    const perDestination = (metricName: string): cloudwatch.IMetric[] =>
      props.destinations.map((d) => new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { destination: d }, statistic: 'Sum', period: fiveMinutes, label: d }));

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(3) });
    const fnWidgets = (f: MonitoredFunction): cloudwatch.IWidget =>
      new cloudwatch.GraphWidget({
        title: `${f.name}: invocations, errors, throttles`,
        left: [f.fn.metricInvocations({ period: fiveMinutes }), f.fn.metricErrors({ period: fiveMinutes }), f.fn.metricThrottles({ period: fiveMinutes })],
        right: [f.fn.metricDuration({ period: fiveMinutes, statistic: 'p99' })],
        width: 12,
      });
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: [props.dlqAlarm, ...this.alarms], width: 24, height: 3 }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Queue: depth and age of oldest message',
        left: [props.queue.metricApproximateNumberOfMessagesVisible({ period: minute, statistic: 'Maximum' })],
        right: [queueAge],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Dead-letter queue depth',
        left: [props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: minute, statistic: 'Maximum' })],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Samples kept under rejected/ per destination (right: writes)', left: perDestination('RejectedSamples'), right: perDestination('RejectedWrites'), width: 12 }),
      new cloudwatch.GraphWidget({ title: 'Samples parked in overflow/ for replay per destination (right: outage events)', left: perDestination('OverflowSamples'), right: perDestination('OverflowEvents'), width: 12 }),
    );
    if (props.httpApi) {
      const api = props.httpApi;
      this.dashboard.addWidgets(
        new cloudwatch.GraphWidget({
          title: 'HTTP API: requests, 4xx, 5xx',
          left: [api.metricCount({ period: fiveMinutes }), api.metricClientError({ period: fiveMinutes }), api.metricServerError({ period: fiveMinutes })],
          right: [api.metricLatency({ period: fiveMinutes, statistic: 'p99' })],
          width: 24,
        }),
      );
    }
    const widgets = props.functions.map(fnWidgets);
    for (let i = 0; i < widgets.length; i += 2) this.dashboard.addWidgets(...widgets.slice(i, i + 2));
    for (const a of this.alarms) a.addAlarmAction(...(props.alarmActions ?? []));
  }

  private add(alarm: cloudwatch.Alarm): void {
    this.alarms.push(alarm);
  }

  /** A metric filter on one deliver log event (value '1' counts it; '$.samples' sums a field), per destination. */
  private logMetric(id: string, logGroup: logs.ILogGroup, msg: string, metricName: string, metricValue: '1' | '$.samples'): logs.MetricFilter {
    return new logs.MetricFilter(this, `${id}Filter`, {
      logGroup,
      metricNamespace: METRICS_NAMESPACE,
      metricName,
      filterPattern: logs.FilterPattern.stringValue('$.msg', '=', msg),
      metricValue,
      dimensions: { destination: '$.destination' },
      unit: cloudwatch.Unit.COUNT,
    });
  }
}

function title(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}
