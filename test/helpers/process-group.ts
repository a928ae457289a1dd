import { spawn, type ChildProcess } from 'node:child_process';

/**
 * A test's child process in its own process group, with the tail of its output kept for failure messages.
 * With `lifetimeS` it runs under `timeout`, so it ends even if the test dies before stop(). stop() signals
 * the whole group (SIGTERM, then SIGKILL after `killAfterMs`) and waits for the exit.
 */
export interface GroupProcess {
  proc: ChildProcess;
  log(): string;
  stop(): Promise<void>;
}

export interface GroupOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Wrap in `timeout -s TERM -k 10 <lifetimeS>`; absent: no bound besides stop(). */
  lifetimeS?: number;
  /** Bytes of output kept for log(). */
  keepBytes?: number;
  killAfterMs?: number;
}

export function startGroup(cmd: string, args: readonly string[], o: GroupOptions = {}): GroupProcess {
  const [bin, argv] = o.lifetimeS ? ['timeout', ['-s', 'TERM', '-k', '10', String(o.lifetimeS), cmd, ...args]] : [cmd, [...args]];
  const proc = spawn(bin, argv, { ...(o.cwd ? { cwd: o.cwd } : {}), ...(o.env ? { env: o.env } : {}), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const keepBytes = o.keepBytes ?? 8000;
  let out = '';
  const keep = (b: Buffer): void => {
    out = (out + b.toString()).slice(-keepBytes);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  return { proc, log: () => out, stop: () => stopGroup(proc, o.killAfterMs ?? 30_000) };
}

function signalGroup(proc: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-proc.pid!, signal);
  } catch {
    /* already gone */
  }
}

async function stopGroup(proc: ChildProcess, killAfterMs: number): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  signalGroup(proc, 'SIGTERM');
  const t = setTimeout(() => signalGroup(proc, 'SIGKILL'), killAfterMs);
  await exited;
  clearTimeout(t);
}

/** Polls `url` until it answers 200 (every 100 ms, up to timeoutMs); fails at once, with the log, if the process exits. */
export async function waitHttpUp(url: string, p: GroupProcess, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (p.proc.exitCode !== null) throw new Error(`${url}: the process exited with ${p.proc.exitCode}: ${p.log()}`);
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up: ${p.log()}`);
}
