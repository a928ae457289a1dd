import type { CompiledRelabel } from '../relabel/types.ts';
import type { GatewayConfig } from './schema.ts';

/**
 * A prepared config: gateway.yaml validated and normalised once, when the functions are bundled, and
 * shipped as JSON (gateway.json), so a cold start neither parses YAML nor loads the validators: it reads the
 * JSON and compiles only the relabel rule lists there are (their code loads on demand). Bundled with the
 * code that reads it, so the two never differ in version. The loaders for gateway.yaml (and a hand-written
 * JSON config) still validate everything.
 */
export const PREPARED_FORMAT = 'metrics-gateway/prepared-config/1';

export interface PreparedConfigFile {
  format: typeof PREPARED_FORMAT;
  config: unknown;
}

/** How a rule list travels: as written in gateway.yaml, with its path for messages. */
interface RelabelRef {
  $relabel: unknown;
  path: string;
}

function isCompiledRelabel(v: unknown): v is CompiledRelabel {
  if (typeof v !== 'object' || v === null || !Array.isArray((v as { rules?: unknown }).rules)) return false;
  return Object.keys(v).every((k) => k === 'rules' || k === 'source');
}

/** The JSON of a validated config (throws on anything JSON cannot carry, such as a bigint). */
export function prepareConfig(config: GatewayConfig): string {
  const file: PreparedConfigFile = { format: PREPARED_FORMAT, config };
  return JSON.stringify(file, (_key, value: unknown) => {
    if (!isCompiledRelabel(value)) return value;
    if (value.rules.length > 0 && value.source === undefined) throw new Error('prepareConfig: compiled relabel rules without their source');
    const ref: RelabelRef = { $relabel: value.source?.raw ?? [], path: value.source?.path ?? '' };
    return ref;
  });
}

export function isPreparedConfig(doc: unknown): doc is PreparedConfigFile {
  return typeof doc === 'object' && doc !== null && (doc as { format?: unknown }).format === PREPARED_FORMAT;
}

/** The config back from prepareConfig's JSON, relabel rules compiled (their module loads only if there are any). */
export async function restorePreparedConfig(doc: PreparedConfigFile): Promise<GatewayConfig> {
  const refs: { holder: Record<string, unknown>; key: string; ref: RelabelRef }[] = [];
  const walk = (node: unknown): void => {
    if (typeof node !== 'object' || node === null) return;
    for (const [key, value] of Object.entries(node)) {
      if (typeof value === 'object' && value !== null && '$relabel' in value) refs.push({ holder: node as Record<string, unknown>, key, ref: value as RelabelRef });
      else walk(value);
    }
  };
  walk(doc.config);
  const needed = refs.some((r) => Array.isArray(r.ref.$relabel) && r.ref.$relabel.length > 0);
  const compile = needed ? (await import('../relabel/compile.ts')).compileRelabelConfigs : undefined;
  for (const { holder, key, ref } of refs) holder[key] = compile && Array.isArray(ref.$relabel) && ref.$relabel.length ? compile(ref.$relabel, ref.path) : { rules: [] };
  return doc.config as GatewayConfig;
}
