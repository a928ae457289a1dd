import type { Label, TimeSeries } from '../model/types.ts';
import { anySelectorMatches } from '../relabel/selector.ts';
import { aggregationRules, type StreamAggregationSection } from '../aggregation/section.ts';

/**
 * What a destination with a stream_aggregation section (vmagent's -remoteWrite.streamAggr.config) is not
 * sent of the pushed series, after its write_relabel_configs: the series some rule's `match` selects (they
 * went to its section at ingest, lib/aggregation/destination-ingest.ts), unless keep_input; with
 * drop_input also the ones no rule selects. vmagent's dropAggregatedSeries / dropUnaggregatedSeries: the
 * matched ones stay with keep_input, the unmatched ones never with drop_input. A series matched but then
 * dropped by a rule's input_relabel_configs counts as matched, as in vmagent.
 * Loaded by deliver only for such a destination (the rule parser stays out of a plain deliver's cold start).
 */
export interface AggregationInputFilter {
  (series: readonly TimeSeries[]): FilteredInput;
}

export interface FilteredInput {
  kept: TimeSeries[];
  /** Samples plus histograms held back: matched (aggregated instead) and, with drop_input, unmatched. */
  matched: number;
  unmatched: number;
}

export function aggregationInputFilter(section: StreamAggregationSection): AggregationInputFilter {
  const rules = aggregationRules(section);
  const matches = (labels: readonly Label[]): boolean => rules.some((r) => r.match === undefined || anySelectorMatches(r.match, labels));
  return (series) => {
    const out: FilteredInput = { kept: [], matched: 0, unmatched: 0 };
    for (const s of series) {
      const matched = matches(s.labels);
      if (matched ? section.keepInput : !section.dropInput) out.kept.push(s);
      else if (matched) out.matched += points(s);
      else out.unmatched += points(s);
    }
    return out;
  };
}

function points(s: TimeSeries): number {
  return s.samples.length + (s.histograms?.length ?? 0);
}
