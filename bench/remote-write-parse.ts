/** remote_write decoding throughput (snappy + protobuf): `node bench/remote-write-parse.ts`, or benchRemoteWriteParse(). */
import { decodeWriteRequest } from '../lib/remote-write/decode.ts';
import { encodeWriteRequest } from '../lib/remote-write/encode.ts';
import { snappyCompress, snappyUncompress } from '../lib/remote-write/snappy.ts';
import type { TimeSeries } from '../lib/model/types.ts';
import { isMain, measure, type ParseFigure } from './parse-throughput.ts';

/** `series` series of 8 labels with `perSeries` samples each: a Prometheus-like WriteRequest. */
export function remoteWriteBody(series: number, perSeries: number, base: number, offset = 0): Uint8Array {
  const timeseries: TimeSeries[] = [];
  for (let i = offset; i < offset + series; i++) {
    timeseries.push({
      labels: [
        { name: '__name__', value: `bench_rw_metric_${i % 50}` },
        { name: 'env', value: 'prod' },
        { name: 'instance', value: `host-${i % 1000}:9100` },
        { name: 'job', value: 'node' },
        { name: 'mode', value: ['user', 'system', 'idle', 'iowait'][i % 4]! },
        { name: 'region', value: `r${i % 7}` },
        { name: 'series', value: String(i) },
        { name: 'team', value: `t${i % 13}` },
      ],
      samples: Array.from({ length: perSeries }, (_, j) => ({ value: (i * 31 + j) % 1000 / 8, timestamp: base + j * 15_000 })),
    });
  }
  return snappyCompress(encodeWriteRequest({ timeseries, metadata: [] }));
}

/** 2,000 series x 1 sample (Prometheus' batches) and 200 series x 10 samples. */
export function benchRemoteWriteParse(): ParseFigure[] {
  const figures: ParseFigure[] = [];
  for (const [series, per] of [[2000, 1], [200, 10]] as const) {
    const body = remoteWriteBody(series, per, 1_700_000_000_000);
    figures.push(measure(`remote_write ${series} series x ${per} samples`, body.length, () => ({ series: decodeWriteRequest(snappyUncompress(body, 64 << 20, 'bench')).timeseries })));
  }
  return figures;
}

if (isMain(import.meta.url)) benchRemoteWriteParse();
