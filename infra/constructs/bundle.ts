import { mkdirSync, writeFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AssetHashType, DockerImage, type BundlingOptions, type ILocalBundling } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { buildSync, type BuildOptions } from 'esbuild';

/** The repository root (infra/constructs/../..). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The handler file name inside every bundle; the Lambda handler is `index.handler`. */
export const BUNDLE_FILE = 'index.mjs';

/** Where the bundled gateway.yaml lives in the Lambda filesystem (LAMBDA_TASK_ROOT is /var/task). */
export const BUNDLED_CONFIG_PATH = '/var/task/gateway.json';

/**
 * The one set of esbuild settings for every function: the CDK construct and bench/bundles.ts both use it,
 * so the bench measures what is deployed. ESM for Node 22, minified, external source maps (the function
 * sets NODE_OPTIONS=--enable-source-maps), the AWS SDK bundled (tree-shaken through its ESM builds) rather
 * than taken from the runtime, whose version we do not control. The banner gives bundled CommonJS
 * dependencies the `require` that ESM lacks.
 */
export function esbuildOptions(entry: string, outdir: string): BuildOptions & { outdir: string } {
  return {
    entryPoints: { [BUNDLE_FILE.replace(/\.mjs$/, '')]: entry },
    outdir,
    outExtension: { '.js': '.mjs' },
    // Dynamic imports (the SDK's optional credential providers, lazily needed protocol code) become chunks
    // loaded on first use instead of being compiled at every cold start.
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    mainFields: ['module', 'main'],
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    legalComments: 'none',
    logLevel: 'error',
    banner: { js: "import { createRequire as __gwCreateRequire } from 'node:module'; const require = __gwCreateRequire(import.meta.url);" },
  };
}

/** Bundles one function into outdir with the gateway.yaml it will read. Synchronous: CDK bundling is. Overrides are for experiments (bench). */
export function bundleFunction(entry: string, outdir: string, configText: string, overrides: BuildOptions = {}): void {
  mkdirSync(outdir, { recursive: true });
  buildSync({ ...esbuildOptions(entry, outdir), ...overrides });
  writeFileSync(path.join(outdir, 'gateway.yaml'), configText);
  // What the function reads: the same document as JSON, so no YAML parser loads at a cold start.
  writeFileSync(path.join(outdir, 'gateway.json'), JSON.stringify(parseDocument(configText).toJS()));
}

/**
 * Local bundling with esbuild from npm: CDK calls tryBundle at synth time and never falls back to Docker,
 * because a bundling failure throws instead of returning false.
 */
export class EsbuildBundling implements ILocalBundling {
  readonly entry: string;
  readonly configText: string;
  constructor(entry: string, configText: string) {
    this.entry = entry;
    this.configText = configText;
  }
  tryBundle(outputDir: string, _options: BundlingOptions): boolean {
    bundleFunction(this.entry, outputDir, this.configText);
    return true;
  }
}

/**
 * Lambda code for a function entry (functions/<name>.ts), bundled at synth time. The asset hash is the
 * bundle's (so a config change redeploys the code); when a stack skips bundling (`cdk deploy OtherStack`,
 * tests with `aws:cdk:bundling-stacks` empty) nothing is built and nothing is fingerprinted.
 */
export function bundledCode(entry: string, configText: string): lambda.Code {
  return lambda.Code.fromAsset(path.dirname(entry), {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Never pulled: local bundling always succeeds or throws.
      image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:22-never-used'),
      local: new EsbuildBundling(entry, configText),
    },
  });
}
