// Preload (node --import=bench/tools/mem-peak.mjs): appends process.memoryUsage() and V8's heap space sizes as a JSON line to MEM_OUT
// (default /tmp/mem-<pid>.jsonl) whenever RSS has grown by 1 MiB since the last line; sampled every 20 ms. With the bench: BENCH_GW_NODE_ARGS=--import=$PWD/bench/tools/mem-peak.mjs.
import fs from 'node:fs';
import v8 from 'node:v8';
const out = process.env.MEM_OUT ?? `/tmp/mem-${process.pid}.jsonl`;
let peak = 0;
const t = setInterval(() => {
  const m = process.memoryUsage();
  if (m.rss > peak + (1 << 20)) {
    peak = m.rss;
    const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, +(s.space_size / 1048576).toFixed(1)]));
    const mb = (x) => +(x / 1048576).toFixed(1);
    fs.writeFileSync(out, JSON.stringify({ t: process.uptime().toFixed(2), rss: mb(m.rss), heapTotal: mb(m.heapTotal), heapUsed: mb(m.heapUsed), external: mb(m.external), arrayBuffers: mb(m.arrayBuffers), spaces }) + '\n', { flag: 'a' });
  }
}, 20);
t.unref();
