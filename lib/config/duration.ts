const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 };
const DURATION_RE = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

/** Parses a Prometheus duration (`1h30m`, `15s`, `500ms`, `0`) to milliseconds, or undefined. */
export function parseDuration(s: string): number | undefined {
  if (s === '0') return 0;
  const m = DURATION_RE.exec(s);
  if (!m || s === '') return undefined;
  const order = ['y', 'w', 'd', 'h', 'm', 's', 'ms'];
  let total = 0;
  for (let i = 0; i < order.length; i++) if (m[i + 1] !== undefined) total += Number(m[i + 1]) * UNITS[order[i]!]!;
  return total;
}

/** Prometheus' model.Duration.String(): `1m`, `15s`, `1h30m`, `500ms`, `0s`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const units: [string, number][] = [['y', 31_536_000_000], ['w', 604_800_000], ['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]];
  let out = '';
  let rest = ms;
  for (const [u, n] of units) {
    if (rest >= n) {
      out += `${Math.floor(rest / n)}${u}`;
      rest %= n;
    }
  }
  return out;
}
