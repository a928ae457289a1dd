import { bindRoutes, type ProtocolSetup } from '../protocol.ts';
import type { IngestRequest, ProtocolRoute, RouteOutcome } from '../types.ts';
import { groupingKeyFromPath } from './grouping-key.ts';
import { pushgateway } from '../protocols.ts';
import { applyGroupingKey, parsePushBody, pushTimeSeries } from './push.ts';

/**
 * Pushgateway-compatible routes. The grouping key is read from `req.path`, which must be the raw request path
 * (still percent-encoded, tenant prefix stripped); `req.params` is not used, so the router's `*` tail may be
 * decoded or not. A forwarding gateway keeps no groups (see docs/pushgateway.md):
 * - PUT and POST forward the body's series with the grouping labels applied, plus `push_time_seconds`; 200.
 * - DELETE forwards one staleness marker for the group's `push_time_seconds`; 202, as the Pushgateway answers
 *   (client_golang's Delete accepts nothing else).
 * Every rejection is all or nothing: 400 (bad path, body or series), 415 (protobuf other than delimited
 * MetricFamily).
 */
function handlePush(req: IngestRequest, maxLineLength: number): RouteOutcome {
  const grouping = groupingKeyFromPath(req.path);
  if (req.method === 'DELETE') {
    return { kind: 'series', series: [pushTimeSeries(grouping, req.now, true)], errors: [], success: { status: 202 } };
  }
  const series = applyGroupingKey(parsePushBody(req.body, req.headers['content-type'], req.now, maxLineLength), grouping);
  series.push(pushTimeSeries(grouping, req.now));
  return { kind: 'series', series, errors: [], success: { status: 200 } };
}

/** The routes with text lines longer than `maxLineLength` characters rejected (ingest.max_line_length). */
function pushgatewayRoutes(maxLineLength: number): ProtocolRoute[] {
  return bindRoutes(pushgateway, { push: (req) => handlePush(req, maxLineLength) });
}

export const createRoutes = ({ limits }: ProtocolSetup): ProtocolRoute[] => pushgatewayRoutes(limits.maxLineLength);
