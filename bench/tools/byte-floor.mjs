// The floor of a byte loop over the bench's text body: node bench/tools/byte-floor.mjs (L=lines, default 10000).
const { prometheusTextWorkload } = await import('../e2e.ts');
const body = Buffer.from(prometheusTextWorkload(Number(process.env.L ?? 10000), 1764752222000).bodies[0]);
const out = Buffer.allocUnsafe(body.length * 2);
const T = new Uint8Array(256); for (let c = 0x20; c < 0x7f; c++) T[c] = 1; T[10] = 0; T[34]=0;
function copyAll(b, buf) { // table check + byte copy of every byte
  const n = b.length; let w = 0; let lines = 0;
  for (let p = 0; p < n; p++) { const c = b[p]; if (T[c] === 0) { lines++; } buf[w++] = c; }
  return lines;
}
function readOnly(b) { const n = b.length; let s = 0; for (let p = 0; p < n; p++) { s += T[b[p]]; } return s; }
function nativeCopy(b, buf) { // per ~12 byte chunk a b.copy
  const n = b.length; let s=0; for (let p = 0; p + 12 < n; p += 12) { s += b.copy(buf, p, p, p + 12); } return s;
}
function setSub(b, buf) { const n = b.length; let s=0; for (let p = 0; p + 12 < n; p += 12) { buf.set(b.subarray(p, p + 12), p); s++; } return s; }
for (const [name, f] of [['copyAll', () => copyAll(body, out)], ['readOnly', () => readOnly(body)], ['nativeCopy12', () => nativeCopy(body, out)], ['setSub12', () => setSub(body, out)]]) {
  for (let i = 0; i < 50; i++) f();
  const t0 = process.cpuUsage(); let k = 0; let cpu = 0;
  while (cpu < 1) { f(); k++; const d = process.cpuUsage(t0); cpu = (d.user + d.system) / 1e6; }
  console.log(name, (cpu * 1e9 / (k * body.length)).toFixed(2), 'ns/byte', (cpu * 1e9 / (k * Number(process.env.L ?? 10000))).toFixed(0), 'ns/line');
}
