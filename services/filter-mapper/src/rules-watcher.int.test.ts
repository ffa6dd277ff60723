import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RulesError } from '@trailstream/mapping';
import { createLogger } from '@trailstream/runtime';
import { describe, expect, it } from 'vitest';
import { watchRulesFile } from './rules-watcher.js';

const rulesNamed = (name: string) => `include:\n  - name: ${name}\n    match: { eventName: X }\n`;

async function rulesFile(text: string): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'rules-watcher-')), 'rules.yaml');
  await writeFile(path, text);
  return path;
}

describe('watchRulesFile', () => {
  const logger = createLogger('test', { level: 'silent' });

  it('refuses an invalid file at start, naming the line', async () => {
    const path = await rulesFile('include:\n  - name: a\n    match: { readOnly: [] }\n');
    await expect(watchRulesFile({ path, intervalMs: 60_000, logger })).rejects.toThrow(RulesError);
    await expect(watchRulesFile({ path, intervalMs: 60_000, logger })).rejects.toThrow(
      /rules\.yaml:3:\d+ include\[0\]\.match\.readOnly: an empty list matches nothing/,
    );
  });

  it('applies a valid change, keeps the rules through invalid or missing files, reports each once', async () => {
    const path = await rulesFile(rulesNamed('first'));
    const events: string[] = [];
    const watcher = await watchRulesFile({
      path,
      intervalMs: 60_000,
      logger,
      onApplied: () => events.push('applied'),
      onInvalid: (reason) => events.push(`invalid: ${reason.split('\n')[0]}`),
    });
    const ruleName = () => watcher.current().include[0]!.name;

    await watcher.check();
    expect(events).toEqual([]);

    // A ConfigMap update swaps the file in one step.
    await writeFile(`${path}.next`, rulesNamed('second'));
    await rename(`${path}.next`, path);
    await watcher.check();
    expect(ruleName()).toBe('second');

    await writeFile(path, 'include: [');
    await watcher.check();
    await watcher.check();
    expect(ruleName()).toBe('second');

    await rm(path);
    await watcher.check();
    expect(ruleName()).toBe('second');

    await writeFile(path, rulesNamed('third'));
    await watcher.check();
    expect(ruleName()).toBe('third');
    watcher.stop();

    expect(events).toEqual([
      'applied',
      `invalid: ${path} has 1 problem:`,
      expect.stringMatching(/^invalid: cannot read .*ENOENT/),
      'applied',
    ]);
  });
});
