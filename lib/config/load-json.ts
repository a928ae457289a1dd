import { ConfigError } from '../errors.ts';
import { parseGatewayConfig, type GatewayConfig } from './schema.ts';
import type { ConfigFileReader } from './scrape.ts';

/**
 * gateway.yaml as the JSON the deploy step converts it to: same validation, without loading the YAML
 * parser at a Lambda cold start.
 */
export function loadGatewayConfigJson(text: string, source = 'gateway.json', readFile?: ConfigFileReader): GatewayConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError([`${source}: ${(err as Error).message}`]);
  }
  return parseGatewayConfig(raw, readFile);
}
