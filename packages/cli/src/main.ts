import { CliError } from './cli-error.js';
import { type Command, helpText, parseCommandArgs } from './command.js';
import { auditCommand } from './commands/audit.js';
import { dlqCommand } from './commands/dlq.js';
import { doctorCommand } from './commands/doctor.js';
import { replayCommand } from './commands/replay.js';
import { rulesCommand } from './commands/rules.js';
import { runCommand } from './commands/run.js';
import { topicsCommand } from './commands/topics.js';
import { verifyCommand } from './commands/verify.js';

const commands: Command[] = [
  runCommand,
  replayCommand,
  rulesCommand,
  dlqCommand,
  topicsCommand,
  verifyCommand,
  doctorCommand,
  auditCommand,
] as Command[];

function overview(): string {
  return [
    'trailstream — CloudTrail from S3 to Datadog',
    '',
    'Usage: trailstream <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(12)} ${c.summary}`),
    '',
    "Run 'trailstream <command> --help' for a command's options.",
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${overview()}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) throw new CliError(`unknown command '${name}'\n\n${overview()}`);
  const args = parseCommandArgs(command, rest);
  if (args === 'help') {
    process.stdout.write(`${helpText(command)}\n`);
    return 0;
  }
  return command.run(args);
}

main(process.argv.slice(2)).then(
  // process.exit does not wait for stdout: into a pipe whose reader lags, a long report would be cut.
  (code) => process.stdout.write('', () => process.exit(code)),
  (error: unknown) => {
    if (error instanceof CliError) {
      process.stderr.write(`trailstream: ${error.message}\n`);
      process.exit(error.exitCode);
    }
    process.stderr.write(`trailstream: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
