import http from 'node:http';
import https from 'node:https';
import type { HttpRequest, HttpResponse } from '../../ports/index.ts';

/**
 * Sends one request with node:http(s): the whole request is bounded by req.timeoutMs, at most
 * req.maxResponseBytes of the body are kept (the rest is read and discarded), headers come back as
 * single strings. Rejects on network errors and the timeout; any HTTP status resolves.
 */
export function sendNodeRequest(secure: boolean, target: URL | http.RequestOptions, options: http.RequestOptions, req: HttpRequest): Promise<HttpResponse> {
  const mod = secure ? https : http;
  const headers: Record<string, string> = { ...(options.headers as Record<string, string>) };
  if (req.body) headers['content-length'] = String(req.body.length);
  const opts = { ...options, headers };
  return new Promise<HttpResponse>((resolve, reject) => {
    const onResponse = (res: http.IncomingMessage): void => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        if (size < req.maxResponseBytes) {
          chunks.push(c.subarray(0, req.maxResponseBytes - size));
          size += Math.min(c.length, req.maxResponseBytes - size);
        }
      });
      res.on('end', () => {
        clearTimeout(timer);
        const h: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h[k] = Array.isArray(v) ? v.join(', ') : v;
        resolve({ status: res.statusCode ?? 0, headers: h, body: Buffer.concat(chunks) });
      });
      res.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    };
    const r = target instanceof URL ? mod.request(target, opts, onResponse) : mod.request({ ...target, ...opts }, onResponse);
    const timer = setTimeout(() => r.destroy(new Error(`timeout after ${req.timeoutMs}ms`)), req.timeoutMs);
    r.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    r.end(req.body);
  });
}
