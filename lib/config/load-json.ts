import { ConfigError } from '../errors.ts';
import { readGatewayConfig, type GatewayConfig, type LoadedConfig } from './schema.ts';
import type { ConfigDocReader } from './scrape.ts';

/**
 * gateway.yaml as the JSON the deploy step converts it to: same validation, without loading the YAML
 * parser at a Lambda cold start. The deploy step inlines scrape_config_files; readDoc is for a JSON config
 * that still lists some (its caller decides how to parse them).
 */
export function loadGatewayConfigJson(text: string, source = 'gateway.json', readDoc?: ConfigDocReader): GatewayConfig {
  return readGatewayConfigJson(text, source, readDoc).config;
}

/** loadGatewayConfigJson with the warnings (fields accepted without effect, deprecated spellings). */
export function readGatewayConfigJson(text: string, source = 'gateway.json', readDoc?: ConfigDocReader): LoadedConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError([`${source}: ${(err as Error).message}`]);
  }
  return readGatewayConfig(raw, readDoc);
}
