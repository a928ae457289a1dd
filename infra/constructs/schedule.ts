import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

export interface GatewayScheduleProps {
  handler: lambda.IFunction;
  /** EventBridge's finest rate is one minute; shorter scrape intervals run as rounds inside one invocation. */
  every?: Duration;
  description: string;
  /** A constant event instead of EventBridge's scheduled event (the scrape shards' index and count). */
  input?: Record<string, unknown>;
}

/**
 * An EventBridge rule that invokes a function on a fixed rate (scrape: once a minute; replay: drains
 * overflow/). Retries are off: the next tick is the retry, and a late tick would only pile up invocations.
 */
export class GatewaySchedule extends Construct {
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: GatewayScheduleProps) {
    super(scope, id);
    const every = props.every ?? Duration.minutes(1);
    if (every.toSeconds() < 60) throw new Error(`schedule rate must be at least one minute (EventBridge's finest), got ${every.toSeconds()} s`);
    this.rule = new events.Rule(this, 'Rule', {
      description: props.description,
      schedule: events.Schedule.rate(every),
      targets: [new targets.LambdaFunction(props.handler, { retryAttempts: 0, maxEventAge: Duration.minutes(1), ...(props.input ? { event: events.RuleTargetInput.fromObject(props.input) } : {}) })],
    });
  }
}
