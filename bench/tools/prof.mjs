// Summarises a --cpu-prof profile: self and inclusive shares of busy samples.
//   node bench/tools/prof.mjs FILE.cpuprofile [nSelf] [nIncl]
import fs from 'node:fs';
const p = JSON.parse(fs.readFileSync(process.argv[2]));
const byId = new Map(p.nodes.map(n => [n.id, n]));
const parent = new Map();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const counts = new Map();
for (const s of p.samples) counts.set(s, (counts.get(s) ?? 0) + 1);
const total = p.samples.length;
const self = new Map(), incl = new Map();
let idle = 0;
for (const [id, c] of counts) {
  const n = byId.get(id);
  const key = f => `${f.functionName || '(anon)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber}`;
  if (n.callFrame.functionName === '(idle)') { idle += c; continue; }
  self.set(key(n.callFrame), (self.get(key(n.callFrame)) ?? 0) + c);
  const seen = new Set();
  for (let x = id; x !== undefined; x = parent.get(x)) { const k = key(byId.get(x).callFrame); if (!seen.has(k)) { seen.add(k); incl.set(k, (incl.get(k) ?? 0) + c); } }
}
const busy = total - idle;
console.log('busy samples', busy, 'idle', idle);
const top = (m, n) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => `${(100 * v / busy).toFixed(1).padStart(5)}% ${k}`).join('\n');
console.log('--- self'); console.log(top(self, +(process.argv[3] ?? 30)));
console.log('--- inclusive'); console.log(top(incl, +(process.argv[4] ?? 40)));
