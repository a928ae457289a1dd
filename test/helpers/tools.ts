import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';

/**
 * Tools built from Go modules by `.ci/run` (Prometheus 3, the newest vmagent, the Lambda Runtime Interface
 * Emulator) live in a cache outside the work tree: `$GATEWAY_TOOLS_BIN`, default `~/.cache/metrics-gateway/bin`.
 * Debian's older `prometheus` and `vmagent` stay on PATH; these are found only by their cached path.
 */
export const TOOLS_BIN = process.env.GATEWAY_TOOLS_BIN ?? path.join(os.homedir(), '.cache', 'metrics-gateway', 'bin');

export type BuiltTool = 'prometheus' | 'vmagent' | 'aws-lambda-rie';

const INSTALL: Record<BuiltTool, string> = {
  prometheus: 'go install github.com/prometheus/prometheus/cmd/prometheus@v0.316.0 (GOBIN=~/.cache/metrics-gateway/bin; .ci/run does it)',
  vmagent: 'go install github.com/VictoriaMetrics/VictoriaMetrics/app/vmagent@v1.151.0 (GOBIN=~/.cache/metrics-gateway/bin; .ci/run does it)',
  'aws-lambda-rie': 'go install github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@v0.0.0-20261030222936-bef5c4ba774d (GOBIN=~/.cache/metrics-gateway/bin; .ci/run does it)',
};

export function builtToolPath(tool: BuiltTool): string {
  return path.join(TOOLS_BIN, tool);
}

/** The cached tool's path; skips the test when missing, or throws under CI=true (a missing service is a failure there). */
export function requireBuiltTool(t: TestContext, tool: BuiltTool): string | undefined {
  const p = builtToolPath(tool);
  if (existsSync(p)) return p;
  if (process.env.CI === 'true') throw new Error(`${p} is required under CI=true (install: ${INSTALL[tool]})`);
  t.skip(`${tool} not built (${INSTALL[tool]})`);
  return undefined;
}
