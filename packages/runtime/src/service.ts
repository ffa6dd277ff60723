import { ConfigError } from './config.js';
import { createLogger, type Logger } from './logger.js';

export type ShutdownHook = () => Promise<void> | void;

export interface ServiceLifecycle {
  /** Hooks run in reverse order of registration on SIGTERM/SIGINT: stop consuming before closing clients. */
  onShutdown(hook: ShutdownHook): void;
}

/**
 * Runs a service's main: a configuration error prints its message and exits 78 (EX_CONFIG), without a
 * stack trace; SIGTERM/SIGINT run the shutdown hooks within `graceMs`, then exit.
 */
export async function runService(
  name: string,
  main: (lifecycle: ServiceLifecycle) => Promise<Logger>,
  graceMs = 25_000,
): Promise<void> {
  const hooks: ShutdownHook[] = [];
  let logger: Logger | undefined;
  let stopping = false;
  let startupLogger: Logger | undefined;

  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger?.info({ signal }, `${name} shutting down`);
    const timer = setTimeout(() => {
      logger?.error({ graceMs }, 'shutdown took too long; exiting');
      process.exit(1);
    }, graceMs);
    timer.unref();
    for (const hook of hooks.reverse()) {
      try {
        await hook();
      } catch (error) {
        logger?.error({ err: error }, 'shutdown step failed');
      }
    }
    logger?.info(`${name} stopped`);
    process.exit(0);
  };
  logProcessWarnings(() => {
    if (logger) return logger;
    startupLogger ??= createLogger(name);
    return startupLogger;
  });
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));

  try {
    logger = await main({ onShutdown: (hook) => hooks.push(hook) });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${name}: ${error.message}\n`);
      process.exit(78);
    }
    if (logger) logger.fatal({ err: error }, `${name} failed to start`);
    else process.stderr.write(`${name} failed to start: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  }
}

/**
 * Warnings Node knows to be harmless here: kafkajs 2.2.4 asks for negative timeouts (an open kafkajs bug),
 * which Node 24 clamps to 1 ms with a TimeoutNegativeWarning.
 */
const HARMLESS_WARNINGS = new Set(['TimeoutNegativeWarning']);

/**
 * Node prints process warnings as raw text on stderr; a service writes JSON lines only, so they go
 * through its logger instead (the startup logger until the service's own exists).
 */
function logProcessWarnings(currentLogger: () => Logger): void {
  process.removeAllListeners('warning');
  process.on('warning', (warning: Error & { code?: string }) => {
    const level = HARMLESS_WARNINGS.has(warning.name) ? 'debug' : 'warn';
    currentLogger()[level](
      { warning: { name: warning.name, code: warning.code, message: warning.message } },
      'process warning',
    );
  });
}
