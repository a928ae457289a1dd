import { createDeliverHandler, deliveryDeps, type DeliverHandler } from '../lib/compose/deliver.ts';
import { awsDepsFromEnv, initInLambda, lazyHandler } from './wiring/aws.ts';
import { withSelfMetrics } from './wiring/observe.ts';

/** The deliver Lambda: AWS adapters from the environment, composed by lib/compose/deliver.ts. */
export const handler: DeliverHandler & { init(): Promise<void> } = lazyHandler(async () => {
  const d = await awsDepsFromEnv(process.env, 'deliver');
  return withSelfMetrics(createDeliverHandler(deliveryDeps(d)), d, 'deliver', process.env);
});

await initInLambda(handler);
