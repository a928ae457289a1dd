"""Exports one collection of OpenTelemetry SDK metrics over OTLP/HTTP protobuf to every URL given.

Usage: otel-export.py URL [URL ...]

The SDK (PyPI opentelemetry-sdk, opentelemetry-exporter-otlp-proto-http) records: a counter with exemplars,
an explicit-bucket histogram with exemplars, an exponential histogram with exemplars and a zero value, an
exponential histogram of close values (the SDK's maximum scale 20, which Prometheus downscales to 8), an
up-down counter and a synchronous gauge. Exemplars need a sampled span: measurements are recorded inside spans of an SDK tracer
(the default exemplar filter is trace-based). The metrics are collected once and the same MetricsData is
exported to each URL, so every receiver gets identical points, timestamps and exemplars. Exit status 1 if an
export fails.
"""
import sys

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader, MetricExportResult
from opentelemetry.sdk.metrics.view import ExponentialBucketHistogramAggregation, View
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider

resource = Resource.create({"service.name": "otel-diff", "service.instance.id": "i-1", "deployment.environment": "test"})
tracer = TracerProvider(resource=resource).get_tracer("otel-diff")
reader = InMemoryMetricReader()
views = [
    View(instrument_name="exp.*", aggregation=ExponentialBucketHistogramAggregation()),
]
provider = MeterProvider(resource=resource, metric_readers=[reader], views=views)
meter = provider.get_meter("otel-diff", "1.0")

requests = meter.create_counter("http.requests", unit="{request}", description="Requests served.")
latency = meter.create_histogram("http.latency", unit="s", description="Explicit buckets.")
exp = meter.create_histogram("exp.latency", unit="s", description="Exponential buckets, wide range.")
narrow = meter.create_histogram("exp.narrow", unit="By", description="Exponential buckets, close values.")
queue = meter.create_up_down_counter("queue.depth", description="Up-down counter.")
temperature = meter.create_gauge("room.temperature", unit="Cel", description="Synchronous gauge (exemplars too).")

values = [0.0, 0.003, 0.02, 0.02, 0.4, 1.5, 7.0, 120.0]
for i, v in enumerate(values):
    with tracer.start_as_current_span("op-%d" % i):
        requests.add(1 + i, {"path": "/a" if i % 2 else "/b"})
        latency.record(v, {"path": "/a"})
        exp.record(v, {"path": "/a"})
        narrow.record(1000 + i)
        queue.add(3 - i)
        temperature.set(20.5 + i)

data = reader.get_metrics_data()
ok = True
for url in sys.argv[1:]:
    result = OTLPMetricExporter(endpoint=url, timeout=30).export(data)
    print("%s %s" % (url, result.name))
    ok = ok and result == MetricExportResult.SUCCESS
provider.shutdown()
sys.exit(0 if ok else 1)
