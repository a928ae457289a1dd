import { gatewayJsonSchemaText } from '../config/shape/json-schema.ts';
import type { CliResult } from './relabel.ts';

const USAGE =
  'usage: gateway schema\n  Prints the JSON Schema of gateway.yaml (the copy in schema/gateway.schema.json is kept equal by a test).\n  Editors with the YAML language server use it through the first line of gateway.yaml:\n  # yaml-language-server: $schema=./schema/gateway.schema.json\n';

/** `gateway schema`: the JSON Schema of gateway.yaml on stdout. */
export function runSchemaCommand(args: readonly string[]): CliResult {
  if (args.includes('-h') || args.includes('--help')) return { exitCode: 0, stdout: USAGE, stderr: '' };
  if (args.length > 0) return { exitCode: 2, stdout: '', stderr: USAGE };
  return { exitCode: 0, stdout: gatewayJsonSchemaText(), stderr: '' };
}
