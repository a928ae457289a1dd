import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import type { HttpClient, HttpRequest, HttpResponse } from '../../ports/index.ts';
import { sendNodeRequest } from './send-request.ts';

const MAX_CONNECT_RESPONSE_BYTES = 16 * 1024;

/**
 * HttpClient through an HTTP proxy (`proxy_url`), as Go's net/http Transport does it: http:// targets are
 * requested from the proxy in absolute form, https:// targets through a CONNECT tunnel with TLS end to end
 * (the TLS options apply to the target, not the proxy). Keep-alive, response cap and timeout as
 * NodeHttpClient. A proxy that refuses the CONNECT rejects the request with its status line.
 */
export class ProxyHttpClient implements HttpClient {
  private readonly proxy: URL;
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private readonly httpsAgent: TunnelAgent;

  constructor(proxyUrl: string, tlsOptions: https.AgentOptions = {}) {
    this.proxy = new URL(proxyUrl);
    this.httpsAgent = new TunnelAgent(this.proxy, { keepAlive: true, maxSockets: 64, ...tlsOptions });
  }

  request(req: HttpRequest): Promise<HttpResponse> {
    const url = new URL(req.url);
    if (url.protocol === 'https:') {
      return sendNodeRequest(true, { host: url.hostname, port: url.port || 443, path: `${url.pathname}${url.search}` }, { method: req.method, headers: req.headers, agent: this.httpsAgent }, req);
    }
    // Plain http through a proxy: the request line carries the full URL.
    return sendNodeRequest(false, { host: this.proxy.hostname, port: this.proxy.port || 80, path: url.href }, { method: req.method, headers: { host: url.host, ...req.headers }, agent: this.httpAgent }, req);
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

/** An https.Agent whose connections are CONNECT tunnels through the proxy. */
class TunnelAgent extends https.Agent {
  private readonly proxy: URL;

  constructor(proxy: URL, options: https.AgentOptions) {
    super(options);
    this.proxy = proxy;
  }

  override createConnection(options: https.RequestOptions, callback?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
    const done = callback ?? (() => undefined);
    const target = `${options.host}:${options.port}`;
    const socket = net.connect(Number(this.proxy.port || 80), this.proxy.hostname);
    let buf = Buffer.alloc(0);
    const fail = (err: Error): void => {
      socket.destroy();
      done(err, socket);
    };
    const onData = (c: Buffer): void => {
      buf = Buffer.concat([buf, c]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) {
        if (buf.length > MAX_CONNECT_RESPONSE_BYTES) fail(new Error(`proxy ${this.proxy.host}: CONNECT response too long`));
        return;
      }
      socket.off('data', onData);
      socket.off('error', fail);
      const status = buf.subarray(0, buf.indexOf('\r\n')).toString('latin1');
      if (!/^HTTP\/1\.[01] 2\d\d/.test(status)) return fail(new Error(`proxy ${this.proxy.host} refused CONNECT ${target}: ${status.slice(0, 100)}`));
      const secure = tls.connect({ ...(options as tls.ConnectionOptions), socket });
      done(null, secure);
    };
    socket.on('data', onData);
    socket.once('error', fail);
    socket.once('connect', () => socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`));
    return undefined;
  }
}
