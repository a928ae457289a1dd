import path from 'node:path';
import { readGatewayConfigText } from '../config/load.ts';
import { ConfigError } from '../errors.ts';
import type { CliResult } from './relabel.ts';

const USAGE = 'usage: gateway check-config [gateway.yaml]\n  Validates the file (default ./gateway.yaml): exit 0 with a summary (and any warnings on stderr), or exit 1\n  listing every problem with its path.\n';

/** `gateway check-config [FILE]`: the same validation the gateway, `npm start` and `cdk synth` run. */
export function runCheckConfigCommand(args: readonly string[], io: { readFile: (path: string) => string }): CliResult {
  if (args.includes('-h') || args.includes('--help')) return { exitCode: 0, stdout: USAGE, stderr: '' };
  if (args.length > 1) return { exitCode: 2, stdout: '', stderr: USAGE };
  const file = args[0] ?? 'gateway.yaml';
  let text: string;
  try {
    text = io.readFile(file);
  } catch (err) {
    return { exitCode: 1, stdout: '', stderr: `${file}: cannot read: ${(err as Error).message}\n` };
  }
  try {
    const { config: c, warnings } = readGatewayConfigText(text, file, (f) => io.readFile(path.resolve(path.dirname(file), f)));
    const writeRules = c.remoteWrite.reduce((n, rw) => n + rw.writeRelabel.rules.length, 0);
    const names = c.remoteWrite.map((rw) => rw.name).join(', ') || 'none';
    return {
      exitCode: 0,
      stdout: `${file}: ok: ${c.remoteWrite.length} remote_write destination(s) (${names}), ${c.relabel.rules.length} relabel rule(s), ${writeRules} write relabel rule(s)${c.scrape.length ? `, ${c.scrape.length} scrape job(s)` : ''}\n`,
      stderr: warnings.map((w) => `${file}: warning: ${w}\n`).join(''),
    };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return { exitCode: 1, stdout: '', stderr: `${file}: ${err.problems.length} problem(s):\n${err.problems.map((p) => `  ${p}\n`).join('')}` };
  }
}
