#!/usr/bin/env bash
# The README's test command: installs everything the tests need on a fresh Debian machine (apt-get as root or
# through sudo, pip, Go-module tools and the LocalStack venv cached under ~/.cache, npm ci), then runs every
# test: `npm test` (unit and integration against real services) and `npm run test:deploy` (the CDK stack in
# LocalStack). Steps already done are fast: apt and pip find their packages, built tools and the venv are
# reused. .ci/run calls this with CI=true, where a missing service is a failure, never a skip.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

took() { echo "    took $((SECONDS - $1)) s"; }

SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"

t=$SECONDS
echo "--- apt: VictoriaMetrics (victoria-metrics, vmagent), Prometheus, node_exporter, python prometheus_client, openssl (TLS test certificates), python3-venv (Debian's python3 -m venv)"
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
  victoria-metrics prometheus prometheus-node-exporter python3-prometheus-client openssl python3-venv >/dev/null
took $t

t=$SECONDS
echo "--- pip: moto server (AWS endpoint emulator; 5.2.5+ takes 1 MiB SQS messages), aws CLI (LocalStack init hook test)"
python3 -m pip install -q --disable-pip-version-check "moto[server]>=5.2.5" awscli
command -v pyenv >/dev/null 2>&1 && pyenv rehash || true
command -v moto_server >/dev/null
took $t

# Go-module tools, built once into a cache outside the work tree and reused when present.
export GATEWAY_TOOLS_BIN="${GATEWAY_TOOLS_BIN:-$HOME/.cache/metrics-gateway/bin}"
mkdir -p "$GATEWAY_TOOLS_BIN"
build_tool() { # name module@version
  local start=$SECONDS
  if [ -x "$GATEWAY_TOOLS_BIN/$1" ]; then echo "--- $1: cached in $GATEWAY_TOOLS_BIN"; return; fi
  echo "--- go install $2"
  (cd /tmp && GOBIN="$GATEWAY_TOOLS_BIN" GOFLAGS=-mod=mod go install "$2")
  echo "    $1 built in $((SECONDS - start)) s"
}
build_tool aws-lambda-rie github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@v0.0.0-20261030222936-bef5c4ba774d
build_tool vmagent github.com/VictoriaMetrics/VictoriaMetrics/app/vmagent@v1.151.0
build_tool prometheus github.com/prometheus/prometheus/cmd/prometheus@v0.316.0

# LocalStack on the host, no Docker and no auth token (issue 16): localstack-core's runtime in a Python 3.13
# venv (3.11 fails with a SyntaxError inside localstack), cached outside the work tree and reused while its
# pins are unchanged. The pins are what pip resolves wrong without them. Tests find it through
# GATEWAY_LOCALSTACK_VENV (test/helpers/services.ts).
t=$SECONDS
export GATEWAY_LOCALSTACK_VENV="${GATEWAY_LOCALSTACK_VENV:-$HOME/.cache/metrics-gateway/localstack-venv}"
LOCALSTACK_PINS='localstack-core[runtime]==2026.3.0 cbor2<6 pyopenssl<25 cryptography<45 service_identity<25 joserfc<1.8'
if [ -x "$GATEWAY_LOCALSTACK_VENV/bin/python" ] && [ "$(cat "$GATEWAY_LOCALSTACK_VENV/.gateway-pins" 2>/dev/null)" = "$LOCALSTACK_PINS" ]; then
  echo "--- LocalStack venv: cached in $GATEWAY_LOCALSTACK_VENV"
else
  echo "--- LocalStack venv: $LOCALSTACK_PINS into $GATEWAY_LOCALSTACK_VENV"
  # pyenv's python3.13 shim exists even when 3.13 is not the selected version: take pyenv's 3.13 directly.
  PY313=$(ls -d "$HOME"/.pyenv/versions/3.13.*/bin/python3 2>/dev/null | tail -1 || true)
  if [ -z "$PY313" ] && python3.13 --version >/dev/null 2>&1; then PY313=$(command -v python3.13); fi
  [ -n "$PY313" ] || { echo "no Python 3.13 (pyenv install 3.13.0, or apt-get install python3.13)"; exit 1; }
  rm -rf "$GATEWAY_LOCALSTACK_VENV"
  "$PY313" -m venv "$GATEWAY_LOCALSTACK_VENV"
  # shellcheck disable=SC2086 # the pins are words
  "$GATEWAY_LOCALSTACK_VENV/bin/pip" install -q --disable-pip-version-check $LOCALSTACK_PINS
  echo "$LOCALSTACK_PINS" > "$GATEWAY_LOCALSTACK_VENV/.gateway-pins"
fi
"$GATEWAY_LOCALSTACK_VENV/bin/python" -c 'import localstack.runtime.main'
took $t

# The OpenTelemetry Python SDK for the OTLP differential (issue 13): a venv cached outside the work tree,
# rebuilt when its pins change. Tests find it through GATEWAY_OTEL_VENV
# (test/integration/differential/otlp-prometheus3-differential.test.ts).
t=$SECONDS
export GATEWAY_OTEL_VENV="${GATEWAY_OTEL_VENV:-$HOME/.cache/metrics-gateway/otel-venv}"
OTEL_PINS='opentelemetry-sdk==1.45.2 opentelemetry-exporter-otlp-proto-http==1.45.2'
if [ -x "$GATEWAY_OTEL_VENV/bin/python" ] && [ "$(cat "$GATEWAY_OTEL_VENV/.gateway-pins" 2>/dev/null)" = "$OTEL_PINS" ]; then
  echo "--- OpenTelemetry SDK venv: cached in $GATEWAY_OTEL_VENV"
else
  echo "--- OpenTelemetry SDK venv: $OTEL_PINS into $GATEWAY_OTEL_VENV"
  rm -rf "$GATEWAY_OTEL_VENV"
  python3 -m venv "$GATEWAY_OTEL_VENV"
  # shellcheck disable=SC2086 # the pins are words
  "$GATEWAY_OTEL_VENV/bin/pip" install -q --disable-pip-version-check $OTEL_PINS
  echo "$OTEL_PINS" > "$GATEWAY_OTEL_VENV/.gateway-pins"
fi
"$GATEWAY_OTEL_VENV/bin/python" -c 'import opentelemetry.sdk.metrics, opentelemetry.exporter.otlp.proto.http.metric_exporter'
took $t

t=$SECONDS
echo "--- apt: cmake, g++, make (npm aws-lambda-ric's install scripts build its native Runtime API client)"
$SUDO apt-get install -y -qq --no-install-recommends cmake g++ make >/dev/null
took $t

t=$SECONDS
echo "--- npm ci (pins Node 22 for npm scripts through the node@22 package; builds aws-lambda-ric's native client, about 2 min)"
# npm ci wipes node_modules: on a developer's machine, only when package-lock.json changed since the last one.
LOCK_SUM=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "${CI:-}" != true ] && [ "$(cat node_modules/.gateway-lock-sha256 2>/dev/null)" = "$LOCK_SUM" ]; then
  echo "    node_modules matches package-lock.json: skipped"
else
  npm ci --no-audit --no-fund
  echo "$LOCK_SUM" > node_modules/.gateway-lock-sha256
fi
took $t

t=$SECONDS
echo "--- npm test"
npm test
took $t

# Issue 16, part 3: the real template deployed into LocalStack with cdklocal, functions running on the host
# (localstack/host-lambda: aws-lambda-rie + aws-lambda-ric per environment), pushes and schedules end to end.
t=$SECONDS
echo "--- npm run test:deploy (cdklocal deploy into LocalStack on the host, no Docker)"
npm run test:deploy
took $t
