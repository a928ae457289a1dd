import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

export interface Captured {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  /** Header names and values exactly as they arrived, in order. */
  rawHeaders: string[];
  body: Buffer;
  /** The peer's client certificate subject CN, on TLS servers that ask for one. */
  clientCn?: string;
}

export interface CaptureServer {
  url: string;
  requests: Captured[];
  close(): Promise<void>;
}

type Responder = (req: Captured) => { status: number; body?: string; headers?: Record<string, string> };

/** An HTTP(S) server on 127.0.0.1 that records every request and answers with `respond` (204 by default). */
export async function startCaptureServer(respond: Responder = () => ({ status: 204 }), tls?: https.ServerOptions): Promise<CaptureServer> {
  const requests: Captured[] = [];
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const peer = 'getPeerCertificate' in req.socket ? (req.socket as import('node:tls').TLSSocket).getPeerCertificate() : undefined;
      const cn = peer && peer.subject ? peer.subject.CN : undefined;
      const c: Captured = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders, body: Buffer.concat(chunks), ...(cn ? { clientCn: String(cn) } : {}) };
      requests.push(c);
      const r = respond(c);
      res.writeHead(r.status, r.headers ?? {}).end(r.body ?? '');
    });
  };
  const server = tls ? https.createServer(tls, handler) : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
