import { BadRequestError } from '../../errors.ts';
import type { Label } from '../../model/types.ts';
import { bindRoutes, type ProtocolSetup } from '../protocol.ts';
import type { IngestRequest, LineError, PartialReport, ProtocolRoute, RouteOutcome, RouteResponse } from '../types.ts';
import { influx } from '../protocols.ts';
import { parseInfluxBatch, parseInfluxPrecision } from './parse.ts';
import { listLineErrors } from '../common/line-errors.ts';
import { withBatch } from '../../model/batch-adapter.ts';

/**
 * Partial writes follow InfluxDB (1.x since 0.9.5, and OSS 2.x): the valid lines are written, and the
 * answer is 400 naming the bad lines (`partial write: unable to parse ...`): the first
 * MAX_LISTED_LINE_ERRORS, then `... and M more` (InfluxDB names every one; an unbounded reply is a way to
 * exhaust the gateway's memory). A body with no valid
 * line is a plain 400. Nothing from a bad line reaches the queue. Success is 204: influxdb-client-js and
 * Telegraf treat any other 2xx as a failure.
 */
function handleWrite(req: IngestRequest, v2: boolean, maxLineLength: number): RouteOutcome {
  const precisionArg = req.query.get('precision');
  const precision = parseInfluxPrecision(precisionArg);
  if (precision === undefined || (v2 && precisionArg !== null && !['ns', 'us', 'ms', 's'].includes(precisionArg))) {
    throw new BadRequestError(`influx: invalid precision ${JSON.stringify(precisionArg)} (${v2 ? 'ns, us, ms, s' : 'ns, u, us, µ, ms, s, m, h'})`);
  }
  const extraLabels: Label[] = [];
  const db = req.query.get('db') ?? (v2 ? req.query.get('bucket') : null);
  if (db) extraLabels.push({ name: 'db', value: db });
  // The body's bytes: lines in the common form are read without decoding the body to a string (parse.ts).
  const { batch, errors, errorCount } = parseInfluxBatch(req.body, { now: req.now, precision, extraLabels, maxLineLength });
  const partial = ({ errors: errs, errorCount: total = errs.length }: PartialReport): RouteResponse =>
    influxError(v2, `${batch.length ? 'partial write: ' : ''}${listLineErrors(errs, total, describe).join('\n')}`);
  return withBatch(batch, { kind: 'series' as const, errors, ...(errorCount !== undefined ? { errorCount } : {}), success: { status: 204 }, partial });
}

function describe(e: LineError): string {
  return `unable to parse line ${e.line} ${e.excerpt}: ${e.reason}`;
}

/** InfluxDB's error body shapes: v1 `{"error": ...}`, v2 `{"code":"invalid","message": ...}`. */
function influxError(v2: boolean, message: string): RouteResponse {
  const body = v2 ? { code: 'invalid', message: `influx: ${message}` } : { error: `influx: ${message}` };
  return { status: 400, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

const STUB_HEADERS = { 'x-influxdb-version': '1.8.10', 'x-influxdb-build': 'OSS' };

function influxRoutes(maxLineLength: number): ProtocolRoute[] {
  return bindRoutes(influx, {
    writeV1: (req) => handleWrite(req, false, maxLineLength),
    writeV2: (req) => handleWrite(req, true, maxLineLength),
    // Clients probe these before writing; Telegraf sends CREATE DATABASE to /query first.
    ping: () => ({ kind: 'response', response: { status: 204, headers: STUB_HEADERS } }),
    health: () => ({ kind: 'response', response: { status: 200, headers: { 'content-type': 'application/json' }, body: '{"name":"influxdb","message":"ready for queries and writes","status":"pass","checks":[],"version":"1.8.10"}' } }),
    query: () => ({ kind: 'response', response: { status: 200, headers: { 'content-type': 'application/json', ...STUB_HEADERS }, body: '{"results":[{"statement_id":0}]}' } }),
  });
}

export const createRoutes = ({ limits }: ProtocolSetup): ProtocolRoute[] => influxRoutes(limits.maxLineLength);
