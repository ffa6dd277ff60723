import { execFile } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const service = resolve(dirname(fileURLToPath(import.meta.url)), '../test/warning-service.ts');

describe('runService', () => {
  it('logs process warnings as JSON lines, a known harmless one at debug, and prints nothing else', async () => {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', service], {
      env: { PATH: process.env.PATH ?? '' },
    });
    expect(stderr).toBe('');
    const lines = stdout
      .trim()
      .split('\n')
      .map(
        (line) =>
          JSON.parse(line) as { level: string; msg: string; warning?: { name: string; code?: string } },
      );
    const warnings = lines.filter((line) => line.msg === 'process warning');
    expect(warnings.map(({ level, warning }) => [level, warning?.name, warning?.code])).toEqual(
      expect.arrayContaining([
        ['warn', 'ExperimentalWarning', 'EARLY'],
        ['debug', 'TimeoutNegativeWarning', undefined],
        ['warn', 'DeprecationWarning', 'DEP0999'],
      ]),
    );
  });
});
