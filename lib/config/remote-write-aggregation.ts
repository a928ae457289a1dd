import { destinationSection, readStreamAggregationSection } from '../aggregation/section.ts';
import type { RemoteWriteConfig } from './schema.ts';

/**
 * `remote_write[i].stream_aggregation` (vmagent's -remoteWrite.streamAggr.config with its keepInput /
 * dropInput, docs/stream-aggregation.md "Per destination"): the same forms and checks as the global
 * section, problems named under the destination's path. Sets RemoteWriteConfig.streamAggregation where a
 * destination has rules; two destinations whose section names (destinationSection) would be one are refused.
 */
export function readRemoteWriteAggregation(raw: unknown, remoteWrite: RemoteWriteConfig[], fail: (path: string, reason: string) => void, readDoc?: (path: string) => unknown): void {
  if (!Array.isArray(raw)) return;
  const sections = new Map<string, number>();
  remoteWrite.forEach((rw, i) => {
    const entry = raw[i];
    if (typeof entry !== 'object' || entry === null) return;
    const at = `remote_write[${i}].stream_aggregation`;
    const section = readStreamAggregationSection((entry as Record<string, unknown>).stream_aggregation, fail, readDoc, at);
    if (!section) return;
    const name = destinationSection(rw.name);
    const other = sections.get(name);
    if (other !== undefined) fail(at, `its state would share aggregation section "${name}" with remote_write[${other}]: give one of them a shorter name`);
    sections.set(name, i);
    rw.streamAggregation = section;
  });
}
