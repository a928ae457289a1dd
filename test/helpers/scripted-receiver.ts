import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeWriteRequest } from '../../lib/remote-write/decode.ts';
import { snappyUncompress } from '../../lib/remote-write/snappy.ts';
import type { TimeSeries } from '../../lib/model/types.ts';

/**
 * One scripted answer:
 *   {status, headers?, body?}   answer with it
 *   {delayMs, ...}              answer after delayMs (past the client's remote_timeout: the client gives up)
 *   {reset: true}               destroy the connection without answering (ECONNRESET / socket hang up)
 */
export type Step = { status: number; headers?: Record<string, string>; body?: string; delayMs?: number } | { reset: true };

export interface ReceivedRequest {
  at: number;
  headers: http.IncomingHttpHeaders;
  /** Decoded WriteRequest series; undefined when the body did not decode. */
  series?: TimeSeries[];
  /** The step that answered it (undefined: past the script, the default answer). */
  step?: Step;
}

export interface ScriptedReceiver {
  url: string;
  requests: ReceivedRequest[];
  /** Series of requests that were answered 2xx (what a real receiver would have stored). */
  accepted(): TimeSeries[];
  close(): Promise<void>;
}

/**
 * A real remote_write receiver on 127.0.0.1 that answers the n-th request with script[n], then `fallback`
 * (default 204) for every request after the script.
 */
export async function startScriptedReceiver(script: Step[], fallback: Step = { status: 204 }): Promise<ScriptedReceiver> {
  const requests: ReceivedRequest[] = [];
  const pending = new Set<NodeJS.Timeout>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const n = requests.length;
      const step = script[n];
      const r: ReceivedRequest = { at: Date.now(), headers: req.headers, ...(step ? { step } : {}) };
      try {
        r.series = decodeWriteRequest(snappyUncompress(Buffer.concat(chunks), 1e8, 'test')).timeseries;
      } catch {
        /* left undefined */
      }
      requests.push(r);
      const s = step ?? fallback;
      if ('reset' in s) {
        req.socket.destroy();
        return;
      }
      const answer = (): void => {
        if (!res.destroyed) res.writeHead(s.status, s.headers).end(s.body ?? '');
      };
      if (s.delayMs) {
        const t = setTimeout(() => {
          pending.delete(t);
          answer();
        }, s.delayMs);
        pending.add(t);
      } else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/api/v1/write`,
    requests,
    accepted() {
      return requests.filter((r) => {
        const s = r.step ?? fallback;
        return !('reset' in s) && s.status >= 200 && s.status < 300 && !s.delayMs;
      }).flatMap((r) => r.series ?? []);
    },
    async close() {
      for (const t of pending) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
