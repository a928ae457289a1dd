import type { RemoteWriteConfig } from '../config/schema.ts';
import type { TimeSeries } from '../model/types.ts';
import type { MessageQueue } from '../ports/index.ts';
import { writeRelabel } from '../delivery/write-relabel.ts';
import { divertToAggregation, type IngestAggregation } from './durable/ingest.ts';
import { aggregationRules, destinationSection, type StreamAggregationSection } from './section.ts';

/**
 * The ingest hook of one destination's stream_aggregation (vmagent's -remoteWrite.streamAggr.config):
 * the series, after the global relabeling and the global section, go through the destination's
 * write_relabel_configs (as vmagent applies -remoteWrite.urlRelabelConfig first) and what its rules match
 * is routed to the FIFO shards of section `rw.<name>` (group agg.rw.<name>.<shard>), once per request,
 * as the global section's input is. Every series is forwarded unchanged: the other destinations want them,
 * and deliver drops, for this destination only, the series its rules match (unless keep_input; with
 * drop_input the unmatched ones too) after the same write_relabel_configs (lib/delivery/aggregation-input.ts).
 * Routing happens here and not in deliver because ingest queues a request once while deliver runs at least
 * once per message: an increment routed by deliver would count again on every redelivery.
 */
export function destinationAggregation(rw: RemoteWriteConfig & { streamAggregation: StreamAggregationSection }, queue: MessageQueue): IngestAggregation {
  const s = rw.streamAggregation;
  const relabel = writeRelabel(rw);
  const input = { section: destinationSection(rw.name), rules: aggregationRules(s), shards: s.shards, keepInput: true, dropInput: false, queue };
  return {
    appliesTo: () => true,
    divert(deps, series, ctx) {
      const seen = relabel ? relabel(series) : series;
      const { commit } = divertToAggregation(deps, input, seen, ctx.tenant, ctx.protocol);
      return { forwarded: series as TimeSeries[], commit };
    },
  };
}
