import type { LineError } from '../types.ts';

/** How many line errors a rejection message lists before it summarises the rest. */
export const MAX_LISTED_LINE_ERRORS = 10;

/**
 * `prometheus: line 7: invalid value "abc": "foo abc"`: protocol, unit and number (`line`, or `metric family`
 * for item-shaped bodies), reason, quoted excerpt.
 */
export function formatLineError(protocol: string, e: LineError, unit = 'line'): string {
  return `${protocol}: ${unit} ${e.line}: ${e.reason}: ${e.excerpt}`;
}

/** A rejection message: the count and `what` happened, then the first MAX_LISTED_LINE_ERRORS errors, one per line. */
export function describeLineErrors(protocol: string, errors: readonly LineError[], what: string, unit = 'line'): string {
  const listed = errors.slice(0, MAX_LISTED_LINE_ERRORS).map((e) => formatLineError(protocol, e, unit));
  const more = errors.length - listed.length;
  const head = `${protocol}: ${errors.length} invalid ${unit}${errors.length === 1 ? '' : 's'}; ${what}`;
  return [head, ...listed, ...(more > 0 ? [`${protocol}: ... and ${more} more`] : [])].join('\n');
}
