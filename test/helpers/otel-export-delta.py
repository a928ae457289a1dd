"""Exports several collections of OpenTelemetry SDK metrics with DELTA temporality over OTLP/HTTP protobuf.

Usage: otel-export-delta.py ROUNDS URL [URL ...]

The SDK (PyPI opentelemetry-sdk, opentelemetry-exporter-otlp-proto-http) is set to prefer delta temporality
for counters and histograms (what OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=delta does) and records,
in each of ROUNDS rounds: a counter on two attribute sets (one of them skipped in some rounds: a delta
stream with a gap), an explicit-bucket histogram and an exponential histogram, inside sampled spans (so with exemplars). After each round the metrics are
collected once and the same MetricsData is exported to each URL in order, so every receiver gets identical
points, start times and timestamps. Rounds are 20 ms apart, so no two collections share a millisecond, and each is collected 5 ms after its
measurements, so no point starts in the millisecond it ends.
Exit status 1 if an export fails.
"""
import sys
import time

from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.sdk.metrics import Counter, Histogram, MeterProvider, UpDownCounter
from opentelemetry.sdk.metrics.export import AggregationTemporality, InMemoryMetricReader, MetricExportResult
from opentelemetry.sdk.metrics.view import ExponentialBucketHistogramAggregation, View
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider

rounds = int(sys.argv[1])
urls = sys.argv[2:]
resource = Resource.create({"service.name": "otel-delta", "service.instance.id": "i-1"})
reader = InMemoryMetricReader(preferred_temporality={
    Counter: AggregationTemporality.DELTA,
    Histogram: AggregationTemporality.DELTA,
    UpDownCounter: AggregationTemporality.CUMULATIVE,
})
views = [View(instrument_name="exp.*", aggregation=ExponentialBucketHistogramAggregation())]
provider = MeterProvider(resource=resource, metric_readers=[reader], views=views)
meter = provider.get_meter("otel-delta", "1.0")
# Exemplars need a sampled span (the SDK's default exemplar filter is trace-based).
tracer = TracerProvider(resource=resource).get_tracer("otel-delta")

jobs = meter.create_counter("jobs.processed", description="Jobs processed (delta).")
latency = meter.create_histogram("job.latency", unit="s", description="Explicit buckets (delta).")
exp = meter.create_histogram("exp.job.latency", unit="s", description="Exponential buckets (delta).")

exporters = [OTLPMetricExporter(endpoint=url, timeout=30) for url in urls]
ok = True
for r in range(rounds):
    for i in range(3 + r):
        v = [0.004, 0.03, 0.2, 0.9, 3.0, 12.0][(r + i) % 6] * (1 + r)
        with tracer.start_as_current_span("job-%d-%d" % (r, i)):
            jobs.add(1 + i + r, {"queue": "a"})
            if r % 2 == 0:
                jobs.add(2, {"queue": "b"})
            latency.record(v, {"queue": "a"})
            exp.record(v, {"queue": "a"})
    # A collection at least 5 ms after the first measurement: a point's start is then before its time
    # (a start equal to the time gets no zero sample from start timestamp zero ingestion).
    time.sleep(0.005)
    data = reader.get_metrics_data()
    for url, exporter in zip(urls, exporters):
        result = exporter.export(data)
        print("round %d %s %s" % (r, url, result.name))
        ok = ok and result == MetricExportResult.SUCCESS
    time.sleep(0.02)
provider.shutdown()
sys.exit(0 if ok else 1)
