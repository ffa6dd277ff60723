import { ConfigError } from './config.js';
import type { Logger } from './logger.js';

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
