/**
 * remote_write decoding throughput (snappy + protobuf): `node bench/remote-write-parse.ts`, or
 * benchRemoteWriteParse(). Run alone it also measures the forward (passthrough) path's core: decompress,
 * scan, pack the received block into a queue message, each stage alone and together.
 */
import { DEFAULT_LIMITS } from '../lib/config/schema.ts';
import { packCompressed } from '../lib/queue/envelope.ts';
import { scanForwardable } from '../lib/remote-write/scan.ts';
import { decodeWriteRequest } from '../lib/remote-write/decode.ts';
import { encodeWriteRequest } from '../lib/remote-write/encode.ts';
import { snappyCompress, snappyUncompress, snappyUncompressLeased } from '../lib/remote-write/snappy.ts';
import type { TimeSeries } from '../lib/model/types.ts';
import { isMain, measure, runForCpu, type ParseFigure } from './parse-throughput.ts';

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

/** Samples per CPU-second of `fn`, `samples` samples a call, run for at least minCpuMs of CPU. */
function measureSamples(name: string, samples: number, fn: () => unknown, minCpuMs = 2000): ParseFigure {
  fn();
  const { runs, cpuMs } = runForCpu(fn, minCpuMs);
  const perSec = (samples * runs) / (cpuMs / 1000);
  console.log(`${name}: ${samples} samples, ${runs} runs, ${(perSec / 1e6).toFixed(2)} M samples per CPU-second (${((cpuMs * 1000) / runs).toFixed(0)} us per request)`);
  return { name, samplesPerCpuSecond: perSec };
}

/**
 * The forward path's core on the e2e bench's request (2,000 series x 1 sample, 8 labels): what the pipeline
 * runs for a request with no relabel rules and no extra labels (lib/ingest/pipeline.ts, kind 'forward'),
 * without HTTP and the queue's I/O. Ten distinct bodies in turn, as the bench sends.
 */
export function benchPassthrough(): ParseFigure[] {
  const bodies = Array.from({ length: 10 }, (_, r) => Buffer.from(remoteWriteBody(2000, 1, 1_700_000_000_000 + r * 1000, r * 2000)));
  const raws = bodies.map((b) => snappyUncompress(b, 64 << 20, 'bench'));
  const opts = { maxMessageBytes: 256 * 1024, maxSamples: 10_000, tenant: 'default', source: 'push' as const };
  let i = 0;
  const next = (): number => (i = (i + 1) % bodies.length);
  return [
    measureSamples('passthrough: decompress', 2000, () => snappyUncompress(bodies[next()]!, 64 << 20, 'bench')),
    measureSamples('passthrough: scan', 2000, () => scanForwardable(raws[next()]!, DEFAULT_LIMITS)),
    measureSamples('passthrough: pack (base64)', 2000, () => packCompressed(bodies[next()]!, 2000, opts)),
    measureSamples('passthrough: decompress + scan + pack', 2000, () => {
      const k = next();
      const scan = scanForwardable(snappyUncompress(bodies[k]!, 64 << 20, 'bench'), DEFAULT_LIMITS);
      if (!scan) throw new Error('the bench body must be forwardable');
      return packCompressed(bodies[k]!, scan.samples, opts);
    }),
    measureSamples('passthrough: decompress in place (leased, as the pipeline does) + scan + pack', 2000, () => {
      const k = next();
      const lease = snappyUncompressLeased(bodies[k]!, 64 << 20, 'bench');
      try {
        const scan = scanForwardable(lease.bytes, DEFAULT_LIMITS);
        if (!scan) throw new Error('the bench body must be forwardable');
        return packCompressed(bodies[k]!, scan.samples, opts);
      } finally {
        lease.release();
      }
    }),
  ];
}

if (isMain(import.meta.url)) {
  benchRemoteWriteParse();
  benchPassthrough();
}
