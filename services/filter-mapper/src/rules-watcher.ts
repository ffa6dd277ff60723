import { readFile } from 'node:fs/promises';
import { parseRules, type RuleSet, RulesError } from '@trailstream/mapping';
import type { Logger } from '@trailstream/runtime';

export interface RulesWatcherOptions {
  path: string;
  intervalMs: number;
  logger: Logger;
  onApplied?: () => void;
  onInvalid?: (reason: string) => void;
}

export interface RulesWatcher {
  current(): RuleSet;
  /** Re-reads the file now; what the timer does every interval. */
  check(): Promise<void>;
  stop(): void;
}

/**
 * Loads the rules file (an invalid one throws RulesError naming each line) and re-reads it every
 * interval. Content is compared rather than mtimes, so a Kubernetes ConfigMap update (a symlink swap)
 * is seen like any edit. A valid change replaces the rules; an invalid or unreadable one keeps the old
 * rules and is reported once per distinct content.
 */
export async function watchRulesFile(options: RulesWatcherOptions): Promise<RulesWatcher> {
  const { path, logger } = options;
  let lastText = await readFile(path, 'utf8');
  let rules = parseRules(lastText, path);
  logger.info({ path, include: rules.include.length, exclude: rules.exclude.length }, 'rules loaded');

  const invalid = (reason: string, details: object) => {
    logger.error({ path, ...details }, `rules change ignored, previous rules kept: ${reason}`);
    options.onInvalid?.(reason);
  };

  async function check(): Promise<void> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      const reason = `cannot read ${path}: ${(error as Error).message}`;
      if (lastText !== reason) invalid(reason, {});
      lastText = reason;
      return;
    }
    if (text === lastText) return;
    lastText = text;
    try {
      rules = parseRules(text, path);
    } catch (error) {
      if (!(error instanceof RulesError)) throw error;
      invalid(error.message, { problems: error.problems });
      return;
    }
    logger.info(
      { path, include: rules.include.length, exclude: rules.exclude.length },
      'rules change applied',
    );
    options.onApplied?.();
  }

  let checking = Promise.resolve();
  const timer = setInterval(() => {
    checking = checking
      .then(check)
      .catch((error: unknown) => logger.error({ err: error }, 'rules check failed'));
  }, options.intervalMs);
  timer.unref();

  return {
    current: () => rules,
    check: () => {
      checking = checking.then(check);
      return checking;
    },
    stop: () => clearInterval(timer),
  };
}
