import type { Clock, HttpClient, SecretStore } from '../../ports/index.ts';

/** The request about to be sent, as the receiver will see it (final headers and exact body bytes). */
export interface OutgoingRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: Uint8Array;
}

/**
 * Adds credentials to remote_write requests of one destination. Built once at start-up; secrets and tokens
 * are fetched on first use and cached. Rejects with an Error (never quoting a secret) when credentials
 * cannot be obtained: the send counts as a retryable failure.
 */
export interface RequestAuthorizer {
  /** Headers to add (lower-case names). Never the protocol's own headers. */
  authorize(req: OutgoingRequest): Promise<Record<string, string>>;
}

/** AWS credentials as @smithy/signature-v4 takes them. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** When temporary credentials stop working. */
  expiration?: Date;
}

export type AwsCredentialsProvider = () => Promise<AwsCredentials>;

/** TLS options of an https.Agent (a structural subset of node:https AgentOptions). */
export interface TlsAgentOptions {
  ca?: string;
  cert?: string;
  key?: string;
  servername?: string;
  rejectUnauthorized?: boolean;
  minVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
}

/** What building a destination's auth needs from the composition root. */
export interface RemoteAuthDeps {
  secrets: SecretStore;
  clock: Clock;
  /** The shared client, for destinations and token endpoints without tls_config. */
  http: HttpClient;
  /** A client with its own TLS settings (one per destination or token endpoint that has tls_config). */
  httpWithTls: (tls: TlsAgentOptions) => HttpClient;
  /** A client that goes through an http:// proxy (proxy_url), with the target's TLS settings. */
  httpViaProxy?: (proxyUrl: string, tls: TlsAgentOptions) => HttpClient;
  /**
   * The AWS default credential chain (optionally a named profile), and role assumption through STS, for
   * sigv4 without static keys. Absent: such a sigv4 config fails at send time with a clear message.
   */
  awsCredentials?: (opts: { profile?: string; roleArn?: string; region: string; base?: AwsCredentialsProvider }) => AwsCredentialsProvider;
  /** sigv4 region when the config has none (AWS_REGION of the environment). */
  defaultRegion?: string;
}
