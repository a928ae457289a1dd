import { bindRoutes, type ProtocolSetup } from '../protocol.ts';
import type { IngestRequest, ProtocolRoute, RouteOutcome } from '../types.ts';
import { groupingKeyFromPath } from './grouping-key.ts';
import { pushgateway } from '../protocols.ts';
import type { PushgatewayOptions } from './options.ts';
import { applyGroupingKey, parsePushBody, parseTypedPushBody, pushTimeSeries } from './push.ts';

/**
 * Pushgateway-compatible routes. The grouping key is read from `req.path`, which must be the raw request path
 * (still percent-encoded, tenant prefix stripped); `req.params` is not used, so the router's `*` tail may be
 * decoded or not. A forwarding gateway keeps no groups (see docs/pushgateway.md):
 * - PUT and POST forward the body's series with the grouping labels applied, plus `push_time_seconds`; 200.
 * - DELETE forwards one staleness marker for the group's `push_time_seconds`; 202, as the Pushgateway answers
 *   (client_golang's Delete accepts nothing else).
 * In the aggregation mode (`pushgateway.aggregation`) the outcome also carries the push's group (grouping
 * labels, the body's metric types, push or delete) for the mode's ingest hook (lib/aggregation/push/ingest.ts),
 * which takes every series of the push into the group's durable shard instead of forwarding them.
 * Every rejection is all or nothing: 400 (bad path, body or series), 415 (protobuf other than delimited
 * MetricFamily).
 */
function handlePush(req: IngestRequest, maxLineLength: number, aggregate: boolean): RouteOutcome {
  const grouping = groupingKeyFromPath(req.path);
  if (req.method === 'DELETE') {
    const series = [pushTimeSeries(grouping, req.now, true)];
    return { kind: 'series', series, errors: [], success: { status: 202 }, ...(aggregate ? { pushGroup: { grouping, types: new Map(), op: 'delete' as const } } : {}) };
  }
  if (aggregate) {
    const { series, types } = parseTypedPushBody(req.body, req.headers['content-type'], req.now, maxLineLength);
    const grouped = applyGroupingKey(series, grouping);
    grouped.push(pushTimeSeries(grouping, req.now));
    return { kind: 'series', series: grouped, errors: [], success: { status: 200 }, pushGroup: { grouping, types, op: 'push' } };
  }
  const series = applyGroupingKey(parsePushBody(req.body, req.headers['content-type'], req.now, maxLineLength), grouping);
  series.push(pushTimeSeries(grouping, req.now));
  return { kind: 'series', series, errors: [], success: { status: 200 } };
}

/** The routes with text lines longer than `maxLineLength` characters rejected (ingest.max_line_length). */
function pushgatewayRoutes(maxLineLength: number, aggregate: boolean): ProtocolRoute[] {
  return bindRoutes(pushgateway, { push: (req) => handlePush(req, maxLineLength, aggregate) });
}

export const createRoutes = ({ limits, options }: ProtocolSetup): ProtocolRoute[] => pushgatewayRoutes(limits.maxLineLength, (options as PushgatewayOptions | undefined)?.aggregation !== undefined);
