import http from 'node:http';
import https from 'node:https';
import type { HttpClient, HttpRequest, HttpResponse } from '../../ports/index.ts';

/**
 * HttpClient on node:http(s) with keep-alive agents. Rejects on network errors and timeouts; reads at
 * most maxResponseBytes of a response body and discards the rest.
 */
export class NodeHttpClient implements HttpClient {
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private readonly httpsAgent: https.Agent;

  constructor(tls: https.AgentOptions = {}) {
    this.httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 64, ...tls });
  }

  request(req: HttpRequest): Promise<HttpResponse> {
    const url = new URL(req.url);
    const isHttps = url.protocol === 'https:';
    const mod = isHttps ? https : http;
    const headers: Record<string, string> = { ...req.headers };
    if (req.body) headers['content-length'] = String(req.body.length);
    return new Promise<HttpResponse>((resolve, reject) => {
      const r = mod.request(url, { method: req.method, headers, agent: isHttps ? this.httpsAgent : this.httpAgent }, (res) => {
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
      });
      const timer = setTimeout(() => r.destroy(new Error(`timeout after ${req.timeoutMs}ms`)), req.timeoutMs);
      r.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      r.end(req.body);
    });
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}
