import type { Consumer } from 'kafkajs';
import type { Logger } from './logger.js';

/** What a stage does when it cannot go on, unless told otherwise: exit, for its supervisor to restart it. */
export function exitForRestart(log: Logger): (error: Error) => void {
  return (error) => {
    log.fatal({ err: error }, 'the stage cannot go on; exiting for a restart');
    process.exit(70);
  };
}

/**
 * Calls `giveUp` when kafkajs gives up on a consumer. kafkajs restarts a crashed consumer only when the
 * crash's cause is retriable; otherwise the consumer stays stopped while the process runs on, healthy to
 * every probe, and its partitions wait on a member that reads nothing.
 */
export function onConsumerGivenUp(
  consumer: Consumer,
  log: Logger,
  giveUp: (error: Error) => void,
  onCrash: () => void = () => undefined,
): void {
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    onCrash();
    log.error({ err: payload.error, restart: payload.restart }, 'consumer crashed');
    if (!payload.restart) giveUp(payload.error);
  });
}
