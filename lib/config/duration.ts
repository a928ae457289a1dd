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
