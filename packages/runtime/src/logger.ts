import { type DestinationStream, type LevelWithSilent, type Logger, pino } from 'pino';
import { secretValuesIn } from './config.js';

export type { Logger } from 'pino';

/** Field paths that hold credentials wherever they appear in a log object. */
const REDACTED_PATHS = [
  'apiKey',
  '*.apiKey',
  'password',
  '*.password',
  'secretAccessKey',
  '*.secretAccessKey',
  '*.sasl.password',
  'headers["dd-api-key"]',
  '*.headers["dd-api-key"]',
  'headers.authorization',
  '*.headers.authorization',
];

export interface LoggerOptions {
  level?: LevelWithSilent;
  /** Where JSON lines go; stdout by default. */
  destination?: DestinationStream;
  /** Values to blank out of every line, whatever field or message carries them. Defaults to secret env values. */
  secrets?: string[];
}

/**
 * JSON logs with secrets removed twice over: known fields are redacted by path, and any secret value
 * (say an API key quoted in an error message) is blanked from the finished line.
 */
export function createLogger(name: string, options: LoggerOptions = {}): Logger {
  const secrets = (options.secrets ?? secretValuesIn()).filter((s) => s.length > 0);
  const destination = options.destination ?? pino.destination({ dest: 1, sync: false });
  const scrubbed: DestinationStream = {
    write: (line: string) => destination.write(secrets.length === 0 ? line : scrubSecrets(line, secrets)),
  };
  const logger = pino(
    {
      name,
      level: options.level ?? 'info',
      redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
      formatters: { level: (label) => ({ level: label }) },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    scrubbed,
  );
  secretsOfLogger.set(logger, secrets);
  return logger;
}

const secretsOfLogger = new WeakMap<Logger, string[]>();

/**
 * Blanks one more value from every later line of this logger (made by `createLogger`) and its children:
 * a secret learnt while running, such as an API key re-read after rotation.
 */
export function addLogSecret(logger: Logger, secret: string): void {
  const secrets = secretsOfLogger.get(logger);
  if (secrets === undefined) throw new Error('addLogSecret needs a logger made by createLogger');
  if (secret.length > 0 && !secrets.includes(secret)) secrets.push(secret);
}

export function scrubSecrets(line: string, secrets: readonly string[]): string {
  let out = line;
  for (const secret of secrets) {
    if (out.includes(secret)) out = out.split(secret).join('[REDACTED]');
    // The same secret may appear JSON-escaped inside a string field.
    const escaped = JSON.stringify(secret).slice(1, -1);
    if (escaped !== secret && out.includes(escaped)) out = out.split(escaped).join('[REDACTED]');
  }
  return out;
}
