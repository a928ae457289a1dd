import protobuf from 'protobufjs';

/**
 * prometheus/prompb types.proto (remote_write 1.0, with native histograms and exemplars) and
 * io.prometheus.write.v2 types.proto as protobufjs reflection: an independent codec for interop tests.
 * Field numbers as upstream (prompb/types.proto, prompb/io/prometheus/write/v2/types.proto).
 */
const histogramFields = {
  countInt: { type: 'uint64', id: 1 },
  countFloat: { type: 'double', id: 2 },
  sum: { type: 'double', id: 3 },
  schema: { type: 'sint32', id: 4 },
  zeroThreshold: { type: 'double', id: 5 },
  zeroCountInt: { type: 'uint64', id: 6 },
  zeroCountFloat: { type: 'double', id: 7 },
  negativeSpans: { rule: 'repeated', type: 'BucketSpan', id: 8 },
  negativeDeltas: { rule: 'repeated', type: 'sint64', id: 9 },
  negativeCounts: { rule: 'repeated', type: 'double', id: 10 },
  positiveSpans: { rule: 'repeated', type: 'BucketSpan', id: 11 },
  positiveDeltas: { rule: 'repeated', type: 'sint64', id: 12 },
  positiveCounts: { rule: 'repeated', type: 'double', id: 13 },
  resetHint: { type: 'int32', id: 14 },
  timestamp: { type: 'int64', id: 15 },
  customValues: { rule: 'repeated', type: 'double', id: 16 },
};
const histogramOneofs = { count: { oneof: ['countInt', 'countFloat'] }, zeroCount: { oneof: ['zeroCountInt', 'zeroCountFloat'] } };
const span = { fields: { offset: { type: 'sint32', id: 1 }, length: { type: 'uint32', id: 2 } } };

export const fullRoot = protobuf.Root.fromJSON({
  nested: {
    prometheus: {
      nested: {
        WriteRequest: { fields: { timeseries: { rule: 'repeated', type: 'TimeSeries', id: 1 }, metadata: { rule: 'repeated', type: 'MetricMetadata', id: 3 } } },
        TimeSeries: {
          fields: {
            labels: { rule: 'repeated', type: 'Label', id: 1 },
            samples: { rule: 'repeated', type: 'Sample', id: 2 },
            exemplars: { rule: 'repeated', type: 'Exemplar', id: 3 },
            histograms: { rule: 'repeated', type: 'Histogram', id: 4 },
          },
        },
        Label: { fields: { name: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
        Sample: { fields: { value: { type: 'double', id: 1 }, timestamp: { type: 'int64', id: 2 } } },
        Exemplar: { fields: { labels: { rule: 'repeated', type: 'Label', id: 1 }, value: { type: 'double', id: 2 }, timestamp: { type: 'int64', id: 3 } } },
        Histogram: { oneofs: histogramOneofs, fields: histogramFields },
        BucketSpan: span,
        MetricMetadata: {
          fields: { type: { type: 'int32', id: 1 }, metricFamilyName: { type: 'string', id: 2 }, help: { type: 'string', id: 4 }, unit: { type: 'string', id: 5 } },
        },
      },
    },
    io: {
      nested: {
        prometheus: {
          nested: {
            write: {
              nested: {
                v2: {
                  nested: {
                    Request: { fields: { symbols: { rule: 'repeated', type: 'string', id: 4 }, timeseries: { rule: 'repeated', type: 'TimeSeries', id: 5 } } },
                    TimeSeries: {
                      fields: {
                        labelsRefs: { rule: 'repeated', type: 'uint32', id: 1 },
                        samples: { rule: 'repeated', type: 'Sample', id: 2 },
                        histograms: { rule: 'repeated', type: 'Histogram', id: 3 },
                        exemplars: { rule: 'repeated', type: 'Exemplar', id: 4 },
                        metadata: { type: 'Metadata', id: 5 },
                        createdTimestamp: { type: 'int64', id: 6 },
                      },
                    },
                    Exemplar: { fields: { labelsRefs: { rule: 'repeated', type: 'uint32', id: 1 }, value: { type: 'double', id: 2 }, timestamp: { type: 'int64', id: 3 } } },
                    Sample: { fields: { value: { type: 'double', id: 1 }, timestamp: { type: 'int64', id: 2 }, startTimestamp: { type: 'int64', id: 3 } } },
                    Metadata: { fields: { type: { type: 'int32', id: 1 }, helpRef: { type: 'uint32', id: 3 }, unitRef: { type: 'uint32', id: 4 } } },
                    Histogram: { oneofs: histogramOneofs, fields: { ...histogramFields, startTimestamp: { type: 'int64', id: 17 } } },
                    BucketSpan: span,
                  },
                },
              },
            },
          },
        },
      },
    },
  },
});
export const V1Type = fullRoot.lookupType('prometheus.WriteRequest');
export const V2Type = fullRoot.lookupType('io.prometheus.write.v2.Request');
