import type { StaticSdConfig } from './config.ts';
import type { TargetGroup } from './target-group.ts';

/** static_configs[i]: one group, one target per address, the configured labels common to all. */
export function staticTargetGroup(cfg: StaticSdConfig): TargetGroup {
  return {
    source: `static_configs[${cfg.index}]`,
    targets: cfg.targets.map((t) => ({ __address__: t })),
    labels: { ...cfg.labels },
  };
}
