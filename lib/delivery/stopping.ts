/**
 * The host is stopping (the local runner's close() past its grace period): retry loops stop starting
 * attempts, and an attempt or a wait in progress is no longer awaited. The caller then keeps its data as
 * when the time budget runs out (overflow/, or the queue), so nothing it does lands after the host stopped.
 */
export const STOPPED: unique symbol = Symbol('stopped');

/** `p`, or STOPPED as soon as `signal` fires (at once if it has). `p` goes on; its outcome is dropped. */
export function unlessStopped<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T | typeof STOPPED> {
  if (!signal) return p;
  if (signal.aborted) {
    p.catch(() => undefined);
    return Promise.resolve(STOPPED);
  }
  return new Promise<T | typeof STOPPED>((resolve, reject) => {
    const onAbort = (): void => {
      p.catch(() => undefined);
      resolve(STOPPED);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
