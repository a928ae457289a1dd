// Mean self milliseconds per script (per function with -f) over every .cpuprofile in DIR (e.g. fresh-process imports).
//   node bench/tools/prof-url.mjs DIR [-f] [n]
import fs from 'node:fs'; import path from 'node:path';
const dir = process.argv[2]; const byFn = process.argv[3] === '-f';
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
const acc = new Map(); let totalAll = 0;
for (const f of files) {
  const p = JSON.parse(fs.readFileSync(path.join(dir, f)));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  for (let i = 0; i < p.samples.length; i++) {
    const n = byId.get(p.samples[i]); const dt = (p.timeDeltas[i + 1] ?? 0) / 1000;
    const cf = n.callFrame; if (cf.functionName === '(idle)') continue;
    const u = cf.url ? cf.url.split('/').slice(-2).join('/') : cf.functionName;
    const k = byFn ? `${u} ${cf.functionName}:${cf.lineNumber}` : u;
    acc.set(k, (acc.get(k) ?? 0) + dt); totalAll += dt;
  }
}
const n = files.length;
console.log('profiles', n, 'mean busy ms', (totalAll / n).toFixed(1));
for (const [k, v] of [...acc].sort((a, b) => b[1] - a[1]).slice(0, +(process.argv[4] ?? 30))) console.log((v / n).toFixed(2).padStart(7), k);
