import protobuf from 'protobufjs';

/**
 * Test codec: a protobufjs JSON descriptor of the DataDog Agent's `/api/v2/series` protobuf body, written from
 * DataDog/agent-payload proto/metrics/agent_payload.proto (message MetricPayload), independent of the
 * gateway's hand-written decoder (lib/ingest/datadog/protobuf.ts). Field names are the JSON spellings of
 * the v2 API so both encodings read alike.
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

export const MetricPayload = root.lookupType('datadog.MetricPayload');
