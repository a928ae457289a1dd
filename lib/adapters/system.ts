import type { Clock, LogFields, Logger, Metrics } from '../ports/index.ts';

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;
export type LogLevel = keyof typeof LEVELS;

/** One JSON object per line on stdout/stderr (CloudWatch Logs parses these). Never pass secrets in fields. */
export class JsonLogger implements Logger {
  private readonly min: number;
  private readonly base: LogFields;
  private readonly write: (line: string, level: LogLevel) => void;

  constructor(level: LogLevel = 'info', base: LogFields = {}, write?: (line: string, level: LogLevel) => void) {
    this.min = LEVELS[level];
    this.base = base;
    this.write = write ?? ((line, lvl) => (lvl === 'error' || lvl === 'warn' ? process.stderr : process.stdout).write(line + '\n'));
  }

  private log(level: LogLevel, msg: string, fields?: LogFields): void {
    if (LEVELS[level] < this.min) return;
    this.write(JSON.stringify({ time: new Date().toISOString(), level, msg, ...this.base, ...fields }), level);
  }

  debug(msg: string, fields?: LogFields): void {
    this.log('debug', msg, fields);
  }
  info(msg: string, fields?: LogFields): void {
    this.log('info', msg, fields);
  }
  warn(msg: string, fields?: LogFields): void {
    this.log('warn', msg, fields);
  }
  error(msg: string, fields?: LogFields): void {
    this.log('error', msg, fields);
  }
}

/** In-memory counters, keyed by name and sorted labels; `snapshot()` feeds self-metrics export. */
export class CounterRegistry implements Metrics {
  private readonly counters = new Map<string, { name: string; labels: Record<string, string>; value: number; gauge?: true }>();

  inc(name: string, labels: Record<string, string>, by = 1): void {
    const key = name + JSON.stringify(Object.entries(labels).sort());
    const c = this.counters.get(key);
    if (c) c.value += by;
    else this.counters.set(key, { name, labels: { ...labels }, value: by });
  }

  set(name: string, labels: Record<string, string>, value: number): void {
    const key = name + JSON.stringify(Object.entries(labels).sort());
    const c = this.counters.get(key);
    if (c) c.value = value;
    else this.counters.set(key, { name, labels: { ...labels }, value, gauge: true });
  }

  get(name: string, labels: Record<string, string> = {}): number {
    let total = 0;
    for (const c of this.counters.values()) {
      if (c.name === name && Object.entries(labels).every(([k, v]) => c.labels[k] === v)) total += c.value;
    }
    return total;
  }

  snapshot(): { name: string; labels: Record<string, string>; value: number; gauge?: true }[] {
    return [...this.counters.values()].map((c) => ({ ...c, name: `gateway_${c.name}` }));
  }

  /** Prometheus text exposition of every counter. */
  render(): string {
    const esc = (v: string): string => v.replace(/[\\"\n]/g, (ch) => (ch === '\n' ? '\\n' : '\\' + ch));
    return this.snapshot()
      .map((c) => `${c.name}{${Object.entries(c.labels).map(([k, v]) => `${k}="${esc(v)}"`).join(',')}} ${c.value}`)
      .join('\n') + '\n';
  }
}
