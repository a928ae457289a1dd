import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, SQSEvent, SQSRecord } from 'aws-lambda';
import { messageBodyText, type HttpLikeRequest, type HttpLikeResponse, type QueueRecord, type ReceivedMessage } from '../../ports/index.ts';

/**
 * API Gateway HTTP API (payload format 2.0) <-> the core's request shape. The body is base64 exactly when
 * isBase64Encoded says so, whatever the content type.
 */
export function fromApiGatewayEvent(event: APIGatewayProxyEventV2): HttpLikeRequest {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(event.headers ?? {})) if (v !== undefined) headers[k.toLowerCase()] = v;
  const raw = event.body ?? '';
  const body = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  return {
    method: event.requestContext?.http?.method ?? 'GET',
    path: event.rawPath ?? event.requestContext?.http?.path ?? '/',
    query: new URLSearchParams(event.rawQueryString ?? ''),
    headers,
    body,
  };
}

export function toApiGatewayResult(res: HttpLikeResponse): APIGatewayProxyStructuredResultV2 {
  if (typeof res.body !== 'string') return { statusCode: res.status, headers: res.headers, body: Buffer.from(res.body).toString('base64'), isBase64Encoded: true };
  return { statusCode: res.status, headers: res.headers, body: res.body, isBase64Encoded: false };
}

/** Builds the event API Gateway would send for an HTTP request: what the local runner hands the ingest handler. */
export function toApiGatewayEvent(req: { method: string; url: string; headers: Record<string, string | string[] | undefined>; body: Uint8Array; sourceIp: string; now: number }): APIGatewayProxyEventV2 {
  const u = new URL(req.url, 'http://localhost');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: u.pathname,
    rawQueryString: u.search.slice(1),
    headers,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'localhost',
      http: { method: req.method, path: u.pathname, protocol: 'HTTP/1.1', sourceIp: req.sourceIp, userAgent: headers['user-agent'] ?? '' },
      requestId: `local-${req.now}`,
      routeKey: '$default',
      stage: '$default',
      time: new Date(req.now).toISOString(),
      timeEpoch: req.now,
    },
    body: Buffer.from(req.body).toString('base64'),
    isBase64Encoded: true,
  };
}

export function fromSqsEvent(event: SQSEvent): QueueRecord[] {
  return event.Records.map((r) => {
    const attributes: Record<string, string> = {};
    for (const [k, v] of Object.entries(r.messageAttributes ?? {})) if (v.stringValue !== undefined) attributes[k] = v.stringValue;
    return { messageId: r.messageId, body: r.body, attributes, ...(r.attributes?.MessageGroupId !== undefined ? { groupId: r.attributes.MessageGroupId } : {}) };
  });
}

/** The SQS event the Lambda event source mapping would deliver for these messages. */
export function toSqsEvent(messages: readonly ReceivedMessage[], queueArn: string, now: number): SQSEvent {
  return {
    Records: messages.map(
      (m): SQSRecord => ({
        messageId: m.messageId,
        receiptHandle: m.receiptHandle,
        // SQS carries text: a bytes body as its base64, as the SQS adapter sends it.
        body: messageBodyText(m.body),
        attributes: {
          ApproximateReceiveCount: String(m.receiveCount),
          SentTimestamp: String(now),
          SenderId: 'local',
          ApproximateFirstReceiveTimestamp: String(now),
          ...(m.groupId !== undefined ? { MessageGroupId: m.groupId } : {}),
        },
        messageAttributes: Object.fromEntries(Object.entries(m.attributes).map(([k, v]) => [k, { stringValue: v, dataType: 'String', stringListValues: [], binaryListValues: [] }])),
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: queueArn,
        awsRegion: 'local',
      }),
    ),
  };
}
