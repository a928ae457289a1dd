#!/usr/bin/env node
/**
 * The gateway's command line: `gateway <command> [args]`. Each command is a pure function in lib/cli/ taking
 * its arguments and I/O callbacks and returning {exitCode, stdout, stderr}; this file only does the I/O.
 * Add a command by adding an entry to COMMANDS.
 */
import { readFileSync } from 'node:fs';
import { runCheckConfigCommand } from '../lib/cli/check-config.ts';
import { runRelabelCommand, type CliResult } from '../lib/cli/relabel.ts';
import { runSchemaCommand } from '../lib/cli/schema.ts';

interface Command {
  summary: string;
  run(args: readonly string[]): CliResult;
}

const readFile = (path: string): string => readFileSync(path, 'utf8');
const readStdin = (): string => readFileSync(0, 'utf8');

const COMMANDS: Record<string, Command> = {
  'check-config': {
    summary: 'validate gateway.yaml: exit 0 with a summary, or 1 listing every problem with its path',
    run: (args) => runCheckConfigCommand(args, { readFile }),
  },
  schema: {
    summary: 'print the JSON Schema of gateway.yaml (for editors: see schema/gateway.schema.json)',
    run: (args) => runSchemaCommand(args),
  },
  relabel: {
    summary: 'apply relabel rules to series and print the result (--trace shows each rule)',
    run: (args) => runRelabelCommand(args, { stdin: readStdin, readFile }),
  },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(14)}${c.summary}`);
  return `usage: gateway <command> [args]\ncommands:\n${lines.join('\n')}\nRun 'gateway <command> --help' for its arguments.\n`;
}

function main(argv: readonly string[]): CliResult {
  const [name, ...args] = argv;
  if (name === undefined) return { exitCode: 2, stdout: '', stderr: usage() };
  if (name === '-h' || name === '--help' || name === 'help') return { exitCode: 0, stdout: usage(), stderr: '' };
  const cmd = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (cmd === undefined) return { exitCode: 2, stdout: '', stderr: `gateway: unknown command ${JSON.stringify(name)}\n${usage()}` };
  return cmd.run(args);
}

const result = main(process.argv.slice(2));
process.stdout.write(result.stdout);
process.stderr.write(result.stderr);
process.exitCode = result.exitCode;
