import type { QueueRecord } from '../ports/index.ts';

/**
 * FIFO partial batch responses. Lambda hands a FIFO queue's messages to one invocation in group order, and
 * SQS returns a failed message to its group; a later message of the same group acknowledged ahead of it
 * would then be delivered before it. So once a message of group G fails, every later message of G in the
 * batch is reported as failed too (Powertools calls this "skip group on error"). Messages without a group
 * (a standard queue) are returned as given. Ids come back in batch order, each once.
 */
export function failLaterInGroup(records: readonly QueueRecord[], failedIds: readonly string[]): string[] {
  const failed = new Set(failedIds);
  if (!records.some((r) => r.groupId !== undefined)) return [...failed];
  const failedGroups = new Set<string>();
  const out: string[] = [];
  for (const r of records) {
    if (r.groupId !== undefined && failedGroups.has(r.groupId)) {
      out.push(r.messageId);
      continue;
    }
    if (failed.has(r.messageId)) {
      out.push(r.messageId);
      if (r.groupId !== undefined) failedGroups.add(r.groupId);
    }
  }
  return out;
}
