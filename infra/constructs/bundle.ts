import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AssetHashType, DockerImage, type BundlingOptions, type ILocalBundling } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { buildSync, type BuildOptions } from 'esbuild';
import { loadGatewayConfig } from '../../lib/config/load.ts';
import { prepareConfig } from '../../lib/config/prepared.ts';
import { buildWithMergedStart } from './merge-init.ts';

/** The repository root (infra/constructs/../..). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The handler file name inside every bundle; the Lambda handler is `index.handler`. */
export const BUNDLE_FILE = 'index.mjs';
const ENTRY_NAME = BUNDLE_FILE.replace(/\.mjs$/, '');

/** Where the bundled gateway.yaml lives in the Lambda filesystem (LAMBDA_TASK_ROOT is /var/task). */
export const BUNDLED_CONFIG_PATH = '/var/task/gateway.json';

/** What the bundles import for `node:stream/web` (see the file). */
export const STREAM_WEB_SHIM = path.join(REPO_ROOT, 'infra', 'constructs', 'stream-web-shim.ts');

/** Build choices a deployment makes (DeployOptions). */
export interface BundleOptions {
  /** External source maps beside the code (pair with GatewayFunction's sourceMaps). Default true. */
  sourceMaps?: boolean;
}

/**
 * The `require` bundled CommonJS dependencies need in ESM, made on first call: esbuild puts the banner in
 * every chunk, and an eager createRequire per chunk measured ~1 ms of a cold start.
 */
const REQUIRE_BANNER =
  "import { createRequire as __gwCreateRequire } from 'node:module'; let __gwRequire; const require = (id) => (__gwRequire ??= __gwCreateRequire(import.meta.url))(id);";

/**
 * The one set of esbuild settings for every function: the CDK construct and bench/bundles.ts both use it,
 * so the bench measures what is deployed. ESM for Node 22; whitespace and syntax minified but names kept, so
 * a stack trace still names the functions when source maps are turned off (they cost every cold start a
 * parse: bench/RESULTS.md); the AWS SDK bundled (tree-shaken through its ESM builds) rather than taken from the
 * runtime, whose version we do not control.
 */
export function esbuildOptions(entry: string, outdir: string, opts: BundleOptions = {}): BuildOptions & { outdir: string } {
  return {
    entryPoints: { [BUNDLE_FILE.replace(/\.mjs$/, '')]: entry },
    outdir,
    outExtension: { '.js': '.mjs' },
    // Dynamic imports (the SDK's optional credential providers, every protocol's code, the RE2 engine, the
    // remote_write decoder, the YAML parser) become chunks loaded on first use instead of being compiled at every cold start.
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    mainFields: ['module', 'main'],
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: opts.sourceMaps !== false,
    sourcesContent: false,
    legalComments: 'none',
    logLevel: 'error',
    banner: { js: REQUIRE_BANNER },
    alias: { 'node:stream/web': STREAM_WEB_SHIM },
  };
}

/** Bundles one function into outdir with the gateway.yaml it will read. Synchronous: CDK bundling is. Overrides are for experiments (bench). */
export function bundleFunction(entry: string, outdir: string, configText: string, overrides: BuildOptions = {}, opts: BundleOptions = {}): void {
  mkdirSync(outdir, { recursive: true });
  const options = { ...esbuildOptions(entry, outdir, opts), ...overrides };
  // The code a cold start loads in one chunk (merge-init.ts); `splitting: false` (bench --single-file) is one file anyway.
  if (options.splitting === false) buildSync(options);
  else buildWithMergedStart(options, ENTRY_NAME);
  writeFileSync(path.join(outdir, 'gateway.yaml'), configText);
  // What the function reads: the config validated now and prepared as JSON (lib/config/prepared.ts), so a
  // cold start loads neither a YAML parser nor the validators. scrape_config_files are inlined by then.
  writeFileSync(path.join(outdir, 'gateway.json'), prepareConfig(loadGatewayConfig(configText, 'gateway.yaml')));
}

/**
 * Local bundling with esbuild from npm: CDK calls tryBundle at synth time and never falls back to Docker,
 * because a bundling failure throws instead of returning false.
 */
export class EsbuildBundling implements ILocalBundling {
  readonly entry: string;
  readonly configText: string;
  readonly opts: BundleOptions;
  constructor(entry: string, configText: string, opts: BundleOptions = {}) {
    this.entry = entry;
    this.configText = configText;
    this.opts = opts;
  }
  tryBundle(outputDir: string, _options: BundlingOptions): boolean {
    bundleFunction(this.entry, outputDir, this.configText, {}, this.opts);
    return true;
  }
}

/**
 * Lambda code for a function entry (functions/<name>.ts), bundled at synth time. The asset hash is the
 * bundle's (so a config change redeploys the code); when a stack skips bundling (`cdk deploy OtherStack`,
 * tests with `aws:cdk:bundling-stacks` empty) nothing is built and nothing is fingerprinted.
 */
export function bundledCode(entry: string, configText: string, opts: BundleOptions = {}): lambda.Code {
  return lambda.Code.fromAsset(path.dirname(entry), {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Never pulled: local bundling always succeeds or throws.
      image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:22-never-used'),
      local: new EsbuildBundling(entry, configText, opts),
    },
  });
}
