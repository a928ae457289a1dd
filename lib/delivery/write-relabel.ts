import type { RemoteWriteConfig } from '../config/schema.ts';
import type { TimeSeries } from '../model/types.ts';
import { applyRelabel, dropInternalLabels } from '../relabel/apply.ts';

/**
 * A destination's write_relabel_configs as a series transform (undefined when it has none): what deliver
 * sends it, and what its stream_aggregation section sees at ingest (vmagent applies
 * -remoteWrite.urlRelabelConfig before -remoteWrite.streamAggr.config). One function for both, so the two
 * sides agree on which series a rule matches.
 */
export function writeRelabel(config: Pick<RemoteWriteConfig, 'writeRelabel'>): ((series: readonly TimeSeries[]) => TimeSeries[]) | undefined {
  const rules = config.writeRelabel;
  if (!rules.rules.length) return undefined;
  return (series) => {
    const out: TimeSeries[] = [];
    for (const s of series) {
      const labels = applyRelabel(rules, s.labels);
      if (labels !== undefined) out.push({ ...s, labels: dropInternalLabels(labels) });
    }
    return out;
  };
}
