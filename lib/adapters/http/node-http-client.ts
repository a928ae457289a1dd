import http from 'node:http';
import https from 'node:https';
import type { HttpClient, HttpRequest, HttpResponse } from '../../ports/index.ts';
import { sendNodeRequest } from './send-request.ts';

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
    const secure = url.protocol === 'https:';
    return sendNodeRequest(secure, url, { method: req.method, headers: req.headers, agent: secure ? this.httpsAgent : this.httpAgent }, req);
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}
