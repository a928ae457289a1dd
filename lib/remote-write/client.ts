import type { HttpClient } from '../ports/index.ts';
import { writtenCounts, type WrittenCounts } from './written.ts';
import type { RequestAuthorizer } from './auth/types.ts';
import type { SendOutcome } from './retry.ts';

export const USER_AGENT = 'metrics-gateway/0.1 (remote_write 1.0)';
/** Response bodies are read with a small cap and only quoted in logs and rejected/ records, never interpreted. */
export const MAX_RESPONSE_BYTES = 1024;

export interface RemoteWriteTarget {
  url: string;
  headers: Record<string, string>;
}

export interface SendResult {
  outcome: SendOutcome;
  /** At most MAX_RESPONSE_BYTES of the response body, for rejected/ records and logs. */
  responseExcerpt: string;
  /** remote_write 2.0's X-Prometheus-Remote-Write-*-Written counts, when the receiver sent all three. */
  written?: WrittenCounts;
}

/**
 * POSTs one snappy-compressed WriteRequest with the remote_write 1.0 headers, or an
 * io.prometheus.write.v2.Request with the 2.0 ones (`message: 'v2'`). User headers come first, then
 * the authorizer's (it sees, and may sign, the final headers and body), so the protocol's own can never be
 * overridden. An authorizer failure (token endpoint down, secret unreadable) is a retryable send error.
 */
export async function sendRemoteWrite(http: HttpClient, target: RemoteWriteTarget, compressed: Uint8Array, timeoutMs: number, authorizer?: RequestAuthorizer, message: 'v1' | 'v2' = 'v1'): Promise<SendResult> {
  try {
    const protocol = {
      'content-encoding': 'snappy',
      'content-type': message === 'v2' ? 'application/x-protobuf;proto=io.prometheus.write.v2.Request' : 'application/x-protobuf',
      'x-prometheus-remote-write-version': message === 'v2' ? '2.0.0' : '0.1.0',
      'user-agent': USER_AGENT,
    };
    let headers: Record<string, string> = { ...target.headers, ...protocol };
    if (authorizer) {
      let auth: Record<string, string>;
      try {
        auth = await authorizer.authorize({ url: target.url, method: 'POST', headers, body: compressed });
      } catch (err) {
        return { outcome: { kind: 'error', message: `remote auth: ${(err as Error).message}` }, responseExcerpt: '' };
      }
      headers = { ...target.headers, ...auth, ...protocol };
    }
    const res = await http.request({
      url: target.url,
      method: 'POST',
      headers,
      body: compressed,
      timeoutMs,
      maxResponseBytes: MAX_RESPONSE_BYTES,
    });
    const retryAfter = res.headers['retry-after'];
    const result: SendResult = {
      outcome: retryAfter === undefined ? { kind: 'status', status: res.status } : { kind: 'status', status: res.status, retryAfter },
      responseExcerpt: new TextDecoder().decode(res.body),
    };
    if (message === 'v2') {
      const written = writtenCounts(res.headers);
      if (written) result.written = written;
    }
    return result;
  } catch (err) {
    return { outcome: { kind: 'error', message: (err as Error).message }, responseExcerpt: '' };
  }
}
