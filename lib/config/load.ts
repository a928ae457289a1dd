import { parse, parseDocument } from 'yaml';
import { ConfigError } from '../errors.ts';
import type { ConfigFileReader } from './scrape.ts';
import { readGatewayConfig, type GatewayConfig, type LoadedConfig } from './schema.ts';

/**
 * Parses and validates gateway.yaml text; YAML syntax errors carry their line and column. readFile reads
 * scrape_config_files (paths as written; resolve them against the config file's folder).
 */
export function loadGatewayConfig(text: string, source = 'gateway.yaml', readFile?: ConfigFileReader): GatewayConfig {
  return readGatewayConfigText(text, source, readFile).config;
}

/**
 * loadGatewayConfig with the warnings (fields accepted without effect, deprecated spellings), each
 * `<path>: <reason>`, for the caller to print or log once.
 */
export function readGatewayConfigText(text: string, source = 'gateway.yaml', readFile?: ConfigFileReader): LoadedConfig {
  const doc = parseDocument(text);
  if (doc.errors.length) {
    throw new ConfigError(doc.errors.map((e) => `${source}:${e.linePos?.[0]?.line ?? '?'}:${e.linePos?.[0]?.col ?? '?'}: ${e.message.split('\n')[0]}`));
  }
  return readGatewayConfig(doc.toJS(), readFile && ((f) => parse(readFile(f))));
}
