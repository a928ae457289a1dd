import type { OutputSpec } from '../config.ts';
import { increaseFamily, rateFamily, totalFamily, type CounterConfig } from './counters.ts';
import { histogramBucketFamily } from './histogram.ts';
import { quantilesFamily } from './quantiles.ts';
import {
  avgFamily,
  countSamplesFamily,
  countSeriesFamily,
  lastFamily,
  minMaxFamily,
  stdFamily,
  sumSamplesFamily,
  uniqueSamplesFamily,
} from './simple.ts';
import type { OutputFamily } from './types.ts';

export type { Emit, OutputFamily, OutputState, PushContext } from './types.ts';

/** The state factory of one configured output. ignoreFirstSampleDeadlineSec: see CounterConfig. */
export function outputFamily(spec: OutputSpec, ignoreFirstSampleDeadlineSec: number): OutputFamily {
  const counter = (keepFirstSample: boolean): CounterConfig => ({ keepFirstSample, ignoreFirstSampleDeadlineSec });
  switch (spec.kind) {
    case 'avg':
      return avgFamily;
    case 'count_samples':
      return countSamplesFamily;
    case 'count_series':
      return countSeriesFamily;
    case 'histogram_bucket':
      return histogramBucketFamily;
    case 'increase':
      return increaseFamily(counter(true));
    case 'increase_prometheus':
      return increaseFamily(counter(false));
    case 'last':
      return lastFamily;
    case 'max':
      return minMaxFamily(true);
    case 'min':
      return minMaxFamily(false);
    case 'quantiles':
      return quantilesFamily(spec.phis);
    case 'rate_avg':
      return rateFamily(true);
    case 'rate_sum':
      return rateFamily(false);
    case 'stddev':
      return stdFamily(true);
    case 'stdvar':
      return stdFamily(false);
    case 'sum_samples':
      return sumSamplesFamily(false);
    case 'sum_samples_total':
      return sumSamplesFamily(true);
    case 'total':
      return totalFamily(counter(true));
    case 'total_prometheus':
      return totalFamily(counter(false));
    case 'unique_samples':
      return uniqueSamplesFamily;
  }
}
