import { type ParseArgsConfig, parseArgs } from 'node:util';
import { parseUtcDay, type UtcDay, utcDayOf } from '@trailstream/cloudtrail';
import { CliError } from './cli-error.js';

export type OptionSpecs = NonNullable<ParseArgsConfig['options']>;

export interface Command<O extends OptionSpecs = OptionSpecs> {
  name: string;
  summary: string;
  usage: string;
  /** One line per option, shown by --help. */
  optionHelp: [flag: string, description: string][];
  options: O;
  run(args: ParsedArgs<O>): Promise<number>;
}

export interface ParsedArgs<O extends OptionSpecs> {
  values: {
    [K in keyof O]?: O[K]['type'] extends 'boolean'
      ? boolean
      : O[K]['multiple'] extends true
        ? string[]
        : string;
  };
  positionals: string[];
}

export function defineCommand<O extends OptionSpecs>(command: Command<O>): Command<O> {
  return command;
}

export function helpText(command: Command): string {
  const width = Math.max(...command.optionHelp.map(([flag]) => flag.length), 10);
  return [
    `trailstream ${command.name} — ${command.summary}`,
    '',
    `Usage: ${command.usage}`,
    '',
    'Options:',
    ...command.optionHelp.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`),
    `  ${'-h, --help'.padEnd(width)}  show this help`,
  ].join('\n');
}

/** Parses strictly: an unknown option or a missing value is a CliError naming it. */
export function parseCommandArgs<O extends OptionSpecs>(
  command: Command<O>,
  argv: string[],
): ParsedArgs<O> | 'help' {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
    if ((values as { help?: boolean }).help) return 'help';
    return { values: values as ParsedArgs<O>['values'], positionals };
  } catch (error) {
    throw new CliError(`${(error as Error).message}\nRun 'trailstream ${command.name} --help' for usage.`);
  }
}

export function parsePositiveInteger(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new CliError(`${flag} expects a positive whole number, got "${value}"`);
  return n;
}

export function parseChoice<T extends string>(
  flag: string,
  value: string | undefined,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new CliError(`${flag} expects one of ${allowed.join(', ')}, got "${value}"`);
}

/** A `YYYY-MM-DD` flag; without a fallback (epoch ms of a day) the flag is required. */
export function parseDay(flag: string, value: string | undefined, fallback?: number): UtcDay {
  if (value === undefined) {
    if (fallback === undefined) throw new CliError(`${flag} is required (YYYY-MM-DD)`);
    return utcDayOf(fallback);
  }
  const day = parseUtcDay(value);
  if (!day) throw new CliError(`${flag} expects a date as YYYY-MM-DD, got "${value}"`);
  return day;
}
