import type { Label } from '../model/types.ts';

/** `extra_label` query args with the credential's extra_labels on top: a client cannot override what its credential sets. */
export function mergeExtraLabels(fromQuery: readonly Label[], fromCredential: readonly Label[]): Label[] {
  if (!fromCredential.length) return fromQuery as Label[];
  return [...fromQuery.filter((q) => !fromCredential.some((c) => c.name === q.name)), ...fromCredential];
}
