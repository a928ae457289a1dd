// Preload (node --import=bench/tools/alloc-census.mjs): counts allocations of 32 KiB or more made through Buffer.alloc*/concat and
// TypedArray/ArrayBuffer slice, by the six frames above them; writes the top 25 to ALLOC_OUT (default /tmp/alloc-census.txt) every 2 s and at SIGTERM.
import fs from 'node:fs';
const MIN = 32 * 1024;
const agg = new Map();
function note(n) {
  if (n < MIN) return;
  const st = new Error().stack.split('\n').slice(3, 9).map((l) => l.trim().replace(/^at /, '').replace(/node_modules\/.cache\/metrics-gateway\/local\/[0-9a-f]+\//, '')).join(' < ');
  const a = agg.get(st) ?? { n: 0, bytes: 0 };
  a.n++; a.bytes += n; agg.set(st, a);
}
const wrapStatic = (obj, name, sizeOf) => {
  const orig = obj[name];
  obj[name] = function (...args) { const r = orig.apply(this, args); note(sizeOf(r, args)); return r; };
};
wrapStatic(Buffer, 'allocUnsafe', (r) => r.length);
wrapStatic(Buffer, 'allocUnsafeSlow', (r) => r.length);
wrapStatic(Buffer, 'alloc', (r) => r.length);
wrapStatic(Buffer, 'concat', (r) => r.length);
const ta = Object.getPrototypeOf(Uint8Array.prototype);
const origSlice = ta.slice;
ta.slice = function (...a) { const r = origSlice.apply(this, a); note(r.byteLength); return r; };
const abSlice = ArrayBuffer.prototype.slice;
ArrayBuffer.prototype.slice = function (...a) { const r = abSlice.apply(this, a); note(r.byteLength); return r; };
const dump = () => {
  const rows = [...agg].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 25);
  fs.writeFileSync(process.env.ALLOC_OUT ?? '/tmp/alloc-census.txt', rows.map(([k, v]) => `${(v.bytes / 1048576).toFixed(0).padStart(6)} MiB ${String(v.n).padStart(6)}x  ${k}`).join('\n') + '\n');
};
setInterval(dump, 2000).unref();
process.on('SIGTERM', () => { dump(); process.exit(0); });
process.on('exit', dump);
