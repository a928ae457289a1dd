// Parse-only A/B of two trees in one process, interleaved (same load for both): node bench/tools/text-parse-ab.mjs TREE_A TREE_B [rounds]
// WHAT=parse|encode|encodeonly|string|stringencode; VARY=1 gives every line its own timestamp. Prints ns per line and B/A.
const trees = [process.argv[2], process.argv[3]];
const rounds = Number(process.argv[4] ?? 30);
const what = process.env.WHAT ?? 'parse';
const base = 1764752222000 - 3_600_000;
const runners = [];
for (const tree of trees) {
  const { parseTextBytesBatch, parsePrometheusTextBatch } = await import(`${tree}/lib/ingest/prometheus/parse.ts`);
  const { prometheusTextWorkload } = await import(`${tree}/bench/e2e.ts`);
  const { returnBatch } = await import(`${tree}/lib/ingest/batch-pool.ts`);
  const enc = await import(`${tree}/lib/remote-write/encode-batch.ts`);
  const bodies = prometheusTextWorkload(40_000, base).bodies.map((b) => Buffer.from(process.env.VARY ? b.split('\n').map((l, i) => (l ? l.replace(/ \d+$/, ' ' + (base + i * 7)) : l)).join('\n') : b));
  const strings = bodies.map((b) => b.toString());
  let k = 0;
  const scratch = Buffer.allocUnsafeSlow(8 << 20);
  const pre = parseTextBytesBatch(bodies[0], { defaultTimestamp: base }).batch;
  runners.push(() => {
    if (what === 'encodeonly') { const g = enc.groupBatch(pre); enc.encodeBatchSeries(pre, g, enc.seriesBodies(pre, g), 0, g.count, scratch); return; }
    const r = what.startsWith('string') ? parsePrometheusTextBatch(strings[k++ & 3], { defaultTimestamp: base }) : parseTextBytesBatch(bodies[k++ & 3], { defaultTimestamp: base });
    if (what === 'stringencode') { const g = enc.groupBatch(r.batch); enc.encodeBatchSeries(r.batch, g, enc.seriesBodies(r.batch, g), 0, g.count, scratch); }
    if (what === 'encode') { const g = enc.groupBatch(r.batch); enc.encodeBatchSeries(r.batch, g, enc.seriesBodies(r.batch, g), 0, g.count, scratch); }
    returnBatch(r.batch);
  });
}
const cpu = [0, 0];
for (let i = 0; i < 10; i++) { runners[0](); runners[1](); }
for (let r = 0; r < rounds; r++) {
  for (const w of r & 1 ? [1, 0] : [0, 1]) {
    const t0 = process.cpuUsage();
    for (let i = 0; i < 10; i++) runners[w]();
    const d = process.cpuUsage(t0);
    cpu[w] += d.user + d.system;
  }
}
const ns = cpu.map((c) => (c * 1000) / (rounds * 10 * 10000));
console.log(`${what}: A ${ns[0].toFixed(0)} ns/line, B ${ns[1].toFixed(0)} ns/line, B/A ${(ns[1] / ns[0]).toFixed(3)}`);
