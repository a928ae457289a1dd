import { createReplayHandler, replayDeps, type ReplayHandler } from '../lib/compose/replay.ts';
import { awsDepsFromEnv, initInLambda, lazyHandler } from './wiring/aws.ts';
import { withSelfMetrics } from './wiring/observe.ts';

/** The replay Lambda: AWS adapters from the environment, composed by lib/compose/replay.ts. */
export const handler: ReplayHandler & { init(): Promise<void> } = lazyHandler(async () => {
  const d = await awsDepsFromEnv(process.env, 'replay');
  return withSelfMetrics(createReplayHandler(replayDeps(d), d.config.replay), d, 'replay', process.env);
});

await initInLambda(handler);
