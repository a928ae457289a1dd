import protobuf from 'protobufjs';

/**
 * protobufjs JSON descriptor for the DataDog Agent's `/api/v2/series` protobuf body, written from
 * DataDog/agent-payload proto/metrics/agent_payload.proto (message MetricPayload). Field names are the JSON
 * spellings of the v2 API so both encodings read alike. Fields the gateway ignores (unit, interval, type,
 * metadata) are declared only where needed to skip them cleanly; unknown fields are skipped by the decoder.
 */
const descriptor = {
  nested: {
    datadog: {
      nested: {
        MetricPayload: {
          fields: { series: { rule: 'repeated', type: 'MetricSeries', id: 1 } },
        },
        MetricSeries: {
          fields: {
            resources: { rule: 'repeated', type: 'Resource', id: 1 },
            metric: { type: 'string', id: 2 },
            tags: { rule: 'repeated', type: 'string', id: 3 },
            points: { rule: 'repeated', type: 'MetricPoint', id: 4 },
            type: { type: 'int32', id: 5 },
            unit: { type: 'string', id: 6 },
            sourceTypeName: { type: 'string', id: 7 },
            interval: { type: 'int64', id: 8 },
          },
        },
        MetricPoint: {
          fields: {
            value: { type: 'double', id: 1 },
            timestamp: { type: 'int64', id: 2 },
          },
        },
        Resource: {
          fields: {
            type: { type: 'string', id: 1 },
            name: { type: 'string', id: 2 },
          },
        },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(descriptor);

/** `decode` throws plain Errors on malformed input (callers wrap them). */
export const MetricPayload = root.lookupType('datadog.MetricPayload');
