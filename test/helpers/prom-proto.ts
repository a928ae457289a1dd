import protobuf from 'protobufjs';

/** prometheus/prompb types.proto (remote_write 1.0) as protobufjs reflection: an independent encoder for differential tests. */
export const promRoot = protobuf.Root.fromJSON({
  nested: {
    prometheus: {
      nested: {
        WriteRequest: { fields: { timeseries: { rule: 'repeated', type: 'TimeSeries', id: 1 }, metadata: { rule: 'repeated', type: 'MetricMetadata', id: 3 } } },
        TimeSeries: {
          fields: {
            labels: { rule: 'repeated', type: 'Label', id: 1 },
            samples: { rule: 'repeated', type: 'Sample', id: 2 },
            exemplars: { rule: 'repeated', type: 'Exemplar', id: 3 },
          },
        },
        Label: { fields: { name: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
        Sample: { fields: { value: { type: 'double', id: 1 }, timestamp: { type: 'int64', id: 2 } } },
        Exemplar: { fields: { labels: { rule: 'repeated', type: 'Label', id: 1 }, value: { type: 'double', id: 2 }, timestamp: { type: 'int64', id: 3 } } },
        MetricMetadata: {
          fields: { type: { type: 'int32', id: 1 }, metricFamilyName: { type: 'string', id: 2 }, help: { type: 'string', id: 4 }, unit: { type: 'string', id: 5 } },
        },
      },
    },
  },
});
export const WriteRequestType = promRoot.lookupType('prometheus.WriteRequest');
