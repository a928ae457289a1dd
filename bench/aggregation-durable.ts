import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DiskBlobStore } from '../lib/adapters/local/disk-blob-store.ts';
import type { AggregationRule } from '../lib/aggregation/config.ts';
import { applyAggregationBatch, type AggregationRecord } from '../lib/aggregation/durable/apply.ts';
import { routeToShards } from '../lib/aggregation/durable/route.ts';
import type { TimeSeries } from '../lib/model/types.ts';
import { fmt } from './lib.ts';
import { MemoryCas, noMetrics, quiet } from './memory-cas.ts';

/**
 * The durable apply path (lib/aggregation/durable): route requests into FIFO shard messages, then apply them
 * as Lambda would hand them over (10 messages of one group per batch): load the shard state, restore the
 * engine, decode and push, snapshot, conditional write. CPU time of this process, best of 3, on an in-memory
 * compare-and-swap store (the cost of the code, without S3's latency) and on the disk store (local runner).
 */



function cpuMs(d: NodeJS.CpuUsage): number {
  return (d.user + d.system) / 1000;
}

export async function durableCost(rules: AggregationRule[], requests: TimeSeries[][], now: number, samples: number): Promise<void> {
  const SHARDS = 16;
  const route = (): AggregationRecord[] => {
    const seq = new Map<string, number>();
    const out: AggregationRecord[] = [];
    requests.forEach((r, i) => {
      const routed = routeToShards(rules, r, { section: 'global', shards: SHARDS, now: now + 1000, nonce: `r${i}`, pack: { maxMessageBytes: 1024 * 1024, maxSamples: 10_000, tenant: 'bench', source: 'push', newSpoolKey: () => `spool/bench/${i}` } });
      for (const m of routed.messages) {
        const n = (seq.get(m.groupId!) ?? 0) + 1;
        seq.set(m.groupId!, n);
        out.push({ messageId: `${m.groupId}-${n}`, body: m.body, attributes: m.attributes, groupId: m.groupId, sequenceNumber: String(1e15 + n) });
      }
    });
    return out;
  };
  let routeMs = Infinity;
  let records: AggregationRecord[] = [];
  for (let rep = 0; rep < 3; rep++) {
    const t = process.cpuUsage();
    records = route();
    routeMs = Math.min(routeMs, cpuMs(process.cpuUsage(t)));
  }
  const batches: AggregationRecord[][] = [];
  const byGroup = new Map<string, AggregationRecord[]>();
  for (const r of records) byGroup.set(r.groupId!, [...(byGroup.get(r.groupId!) ?? []), r]);
  for (const list of byGroup.values()) for (let i = 0; i < list.length; i += 10) batches.push(list.slice(i, i + 10));
  process.stdout.write(`durable: route into ${SHARDS} shards: ${fmt((samples / routeMs) * 1000)} samples/CPU-s (${routeMs.toFixed(0)} ms CPU, ${records.length} messages, ${batches.length} batches of <= 10)\n`);

  for (const kind of ['memory', 'disk'] as const) {
    let best = Infinity;
    let stateBytes = 0;
    for (let rep = 0; rep < 3; rep++) {
      const dir = kind === 'disk' ? mkdtempSync(path.join(os.tmpdir(), 'bench-durable-')) : '';
      try {
        const store = kind === 'memory' ? new MemoryCas() : new DiskBlobStore(dir);
        const deps = { state: store, blobs: store, sections: new Map([['global', rules]]), logger: quiet, metrics: noMetrics };
        const t = process.cpuUsage();
        for (const b of batches) {
          const r = await applyAggregationBatch(deps, b);
          if (r.failed.length) throw new Error('bench batch failed');
        }
        best = Math.min(best, cpuMs(process.cpuUsage(t)));
        stateBytes = 0;
        for (let s = 0; s < SHARDS; s++) stateBytes += (await store.getVersioned(`state/aggregation/global/${s}`))?.body.length ?? 0;
      } finally {
        if (dir) rmSync(dir, { recursive: true, force: true });
      }
    }
    process.stdout.write(`durable: apply (${kind} store): ${fmt((samples / best) * 1000)} samples/CPU-s (${best.toFixed(0)} ms CPU); shard state ${fmt(stateBytes)} bytes in all\n`);
  }
}
