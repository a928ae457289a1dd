/**
 * Go's time.ParseDuration, which vmagent uses for every stream aggregation duration (`interval`,
 * `dedup_interval`, `staleness_interval`, `ignore_first_sample_interval`): `1m`, `30s`, `1h30m`, `1.5h`,
 * `500ms`, `0`. Units ns, us, µs, ms, s, m, h; no `d`/`w`/`y` (vmagent rejects them, so a file that works
 * here works there). Returns milliseconds (fractions below 1ms are kept as a fraction), or undefined.
 */
const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PART_RE = /^(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/;

export function parseGoDuration(text: string): number | undefined {
  let s = text;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') return undefined;
  let total = 0;
  while (s !== '') {
    const m = PART_RE.exec(s);
    if (!m || (m[1] === '' && (m[2] === undefined || m[2] === ''))) return undefined;
    const num = Number(`${m[1] || '0'}.${m[2] ?? '0'}`);
    total += num * UNIT_MS[m[3]!]!;
    s = s.slice(m[0].length);
  }
  return sign * total;
}
