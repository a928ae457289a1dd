/**
 * Blob keys for overflow/, rejected/ and their kin: `<area>/<destination>/<ISO time>-<message id>[-<n>].snappy`.
 * The ISO timestamp (colons replaced, so keys stay portable) makes lexical order oldest first, which is
 * the order replay drains them in.
 */
export function blobKey(area: 'overflow' | 'rejected', destination: string, now: number, messageId: string, part?: number): string {
  const t = new Date(now).toISOString().replace(/:/g, '-');
  const id = messageId.replace(/[^A-Za-z0-9_-]/g, '_');
  return `${area}/${destination}/${t}-${id}${part === undefined ? '' : `-${part}`}.snappy`;
}
