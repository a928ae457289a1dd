/**
 * Message attributes of the Pushgateway aggregation mode's input (beside the queue envelope's and agg_at,
 * agg_section, agg_nonce of lib/aggregation/durable/route.ts). Apart from section.ts so the ingest hook
 * does not load the merge code.
 */
/** The group: JSON of [tenant, name, value, ...] of the path's grouping labels (pushGroupKey). */
export const ATTR_PUSH_GROUP = 'agg_group';
/** `push` (PUT, POST: increments) or `delete` (forget the group). */
export const ATTR_PUSH_OP = 'agg_op';
