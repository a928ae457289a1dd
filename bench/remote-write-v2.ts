/**
 * remote_write 2.0 costs beside 1.0 (issue 13): `node bench/remote-write-v2.ts`.
 *   decode   snappy + protobuf -> series, for 1.0 and 2.0 bodies of the same data;
 *   encode   series -> protobuf + snappy, 1.0 and 2.0;
 *   deliver  what a destination costs per queued payload: 1.0 forwarded as queued (no work), re-encoded as
 *            1.0 (what write_relabel_configs costs) and re-encoded as 2.0 (protobuf_message 2.0).
 * Figures are points (float samples plus histogram samples) per CPU-second. Float data: the
 * bench/remote-write-parse.ts shape (8 labels). Histogram data: 200 series, one native histogram each with
 * 3 spans and 24 buckets (Prometheus' own /metrics at its default schema looks like that).
 */
import { decodeWriteRequest } from '../lib/remote-write/decode.ts';
import { encodeTimeSeries } from '../lib/remote-write/encode.ts';
import { snappyCompress, snappyUncompress } from '../lib/remote-write/snappy.ts';
import { encodeV2Request } from '../lib/remote-write/v2.ts';
import { decodeV2Request } from '../lib/remote-write/v2-decode.ts';
import { countKinds, type Histogram, type TimeSeries } from '../lib/model/types.ts';
import { remoteWriteBody } from './remote-write-parse.ts';
import { defaultMinCpuMs, isMain, type ParseFigure } from './parse-throughput.ts';

function histogramSeries(n: number): TimeSeries[] {
  return Array.from({ length: n }, (_, i) => {
    const h: Histogram = {
      timestamp: 1_700_000_000_000,
      float: false,
      count: 1000 + i,
      sum: 123.5 + i,
      schema: 3,
      zeroThreshold: 2.938735877055719e-39,
      zeroCount: 2,
      negativeSpans: [],
      negativeBuckets: [],
      positiveSpans: [{ offset: -20, length: 8 }, { offset: 2, length: 8 }, { offset: 1, length: 8 }],
      positiveBuckets: Array.from({ length: 24 }, (_, j) => ((j * 7 + i) % 11) - 5),
      resetHint: 2,
      customValues: [],
    };
    return {
      labels: [
        { name: '__name__', value: `prometheus_http_request_duration_seconds` },
        { name: 'handler', value: `/api/v1/h${i}` },
        { name: 'instance', value: 'localhost:9090' },
        { name: 'job', value: 'prometheus' },
      ],
      samples: [],
      histograms: [h],
    };
  });
}

function run(name: string, points: number, fn: () => unknown, minCpuMs = defaultMinCpuMs()): ParseFigure {
  fn();
  let runs = 0;
  const start = process.cpuUsage();
  let cpuMs = 0;
  while (cpuMs < minCpuMs) {
    fn();
    runs++;
    const d = process.cpuUsage(start);
    cpuMs = (d.user + d.system) / 1000;
  }
  const perSec = (points * runs) / (cpuMs / 1000);
  console.log(`${name}: ${points} points, ${runs} runs, ${(perSec / 1e6).toFixed(2)} M points per CPU-second`);
  return { name, samplesPerCpuSecond: perSec };
}

export function benchRemoteWriteV2(): ParseFigure[] {
  const figures: ParseFigure[] = [];
  const cases: [string, TimeSeries[]][] = [
    ['floats 2000 series x 1', decodeWriteRequest(snappyUncompress(remoteWriteBody(2000, 1, 1_700_000_000_000), 64 << 20, 'b')).timeseries],
    ['floats 200 series x 10', decodeWriteRequest(snappyUncompress(remoteWriteBody(200, 10, 1_700_000_000_000), 64 << 20, 'b')).timeseries],
    ['native histograms 200 series x 1', histogramSeries(200)],
  ];
  for (const [label, series] of cases) {
    const k = countKinds(series);
    const points = k.samples + k.histograms;
    const v1 = snappyCompress(encodeTimeSeries(series));
    const v2 = snappyCompress(encodeV2Request(series).body);
    console.log(`${label}: 1.0 body ${v1.length} B, 2.0 body ${v2.length} B (snappy)`);
    figures.push(run(`decode 1.0, ${label}`, points, () => decodeWriteRequest(snappyUncompress(v1, 64 << 20, 'b'))));
    figures.push(run(`decode 2.0, ${label}`, points, () => decodeV2Request(snappyUncompress(v2, 64 << 20, 'b'))));
    figures.push(run(`encode 1.0, ${label}`, points, () => snappyCompress(encodeTimeSeries(series))));
    figures.push(run(`encode 2.0, ${label}`, points, () => snappyCompress(encodeV2Request(series).body)));
    figures.push(run(`deliver 1.0 payload re-encoded as 1.0, ${label}`, points, () => snappyCompress(encodeTimeSeries(decodeWriteRequest(snappyUncompress(v1, 64 << 20, 'b')).timeseries))));
    figures.push(run(`deliver 1.0 payload re-encoded as 2.0, ${label}`, points, () => snappyCompress(encodeV2Request(decodeWriteRequest(snappyUncompress(v1, 64 << 20, 'b')).timeseries).body)));
  }
  return figures;
}

if (isMain(import.meta.url)) benchRemoteWriteV2();
