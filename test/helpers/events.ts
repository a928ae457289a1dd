import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { APIGatewayProxyEventV2, EventBridgeEvent, SQSEvent } from 'aws-lambda';

/** events/ at the repository root: sample Lambda events (regenerate with node scripts/generate-events.ts). */
export const EVENTS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'events');

const cache = new Map<string, unknown>();

/** A fresh deep clone of events/<name> on every call: tests may change what they get. */
export function loadEvent<T = unknown>(name: string): T {
  let parsed = cache.get(name);
  if (parsed === undefined) {
    parsed = JSON.parse(readFileSync(path.join(EVENTS_DIR, name), 'utf8'));
    cache.set(name, parsed);
  }
  return structuredClone(parsed) as T;
}

export function loadHttpEvent(name: string): APIGatewayProxyEventV2 {
  return loadEvent<APIGatewayProxyEventV2>(name);
}

export function loadSqsEvent(name = 'sqs-batch.json'): SQSEvent {
  return loadEvent<SQSEvent>(name);
}

export function loadScheduledEvent(name = 'scheduled.json'): EventBridgeEvent<'Scheduled Event', Record<string, never>> {
  return loadEvent(name);
}

/** Names of the API Gateway HTTP API samples (events/http-*.json). */
export function httpEventNames(): string[] {
  return readdirSync(EVENTS_DIR).filter((f) => f.startsWith('http-') && f.endsWith('.json')).sort();
}
