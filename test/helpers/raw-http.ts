import net from 'node:net';

export interface RawResponse {
  status: number;
  /** Everything the server sent, head included. */
  raw: string;
  /** The part after the head. */
  body: string;
  /** Body bytes the client managed to hand to its socket before the server answered or closed. */
  written: number;
}

export interface RawRequest {
  method?: string;
  path: string;
  /** Extra header lines, e.g. {'content-length': '10'}; Host and Connection: close are added. */
  headers?: Record<string, string>;
  /** Body pieces, each one socket write; with chunked, each also one chunk of Transfer-Encoding: chunked. */
  body?: Iterable<Uint8Array>;
  chunked?: boolean;
}

/**
 * One HTTP/1.1 request over a plain socket, so a test controls exactly how the body is cut into writes.
 * Stops writing as soon as the server answers or closes (a server that refuses a body early must not need
 * the client to finish), waits for drain between writes, and resolves when the server closes.
 */
export function rawRequest(url: string, req: RawRequest): Promise<RawResponse> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(u.port), u.hostname);
    const received: Buffer[] = [];
    let written = 0;
    let stop = false;
    sock.on('data', (d) => {
      received.push(d);
      stop = true;
    });
    sock.on('error', () => {
      stop = true;
    });
    sock.on('close', () => {
      stop = true;
      const raw = Buffer.concat(received).toString('latin1');
      // An interim 100 Continue may come first; the final answer follows it.
      const final = raw.startsWith('HTTP/1.1 100') ? raw.slice(raw.indexOf('\r\n\r\n') + 4) : raw;
      const m = /^HTTP\/1\.1 (\d{3})/.exec(final);
      if (!m) return reject(new Error(`no HTTP response (wrote ${written} body bytes): ${JSON.stringify(raw.slice(0, 200))}`));
      resolve({ status: Number(m[1]), raw, body: final.slice(final.indexOf('\r\n\r\n') + 4), written });
    });
    const write = (b: Uint8Array | string): Promise<void> =>
      new Promise((res) => {
        if (stop || sock.destroyed) return res();
        if (sock.write(b)) return res();
        const done = (): void => {
          sock.off('drain', done);
          sock.off('close', done);
          res();
        };
        sock.once('drain', done);
        sock.once('close', done);
      });
    sock.once('connect', async () => {
      const headers = { host: u.host, connection: 'close', ...(req.chunked ? { 'transfer-encoding': 'chunked' } : {}), ...req.headers };
      await write(`${req.method ?? 'POST'} ${req.path} HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`);
      for (const piece of req.body ?? []) {
        if (stop || sock.destroyed) break;
        if (req.chunked) await write(`${piece.length.toString(16)}\r\n`);
        await write(piece);
        if (!stop && !sock.destroyed) written += piece.length;
        if (req.chunked) await write('\r\n');
      }
      if (req.chunked) await write('0\r\n\r\n');
    });
  });
}

/** Splits buf into writes at the given offsets (ascending, exclusive ends). */
export function cutAt(buf: Uint8Array, offsets: readonly number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let from = 0;
  for (const o of [...offsets, buf.length]) {
    if (o > from) out.push(buf.subarray(from, o));
    from = o;
  }
  return out;
}

/** Cuts buf into writes of `size` bytes. */
export function cutEvery(buf: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
  return out;
}
