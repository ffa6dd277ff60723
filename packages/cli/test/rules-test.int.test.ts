import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sampleTrailFolder } from '../src/commands/run.js';
import { runCli } from './run-cli.js';

const day = join(sampleTrailFolder, 'AWSLogs/218007301253/CloudTrail/us-east-1/2023/07/10');

const rules = `version: 1
include:
  - name: failed-calls
    match:
      errorCode: { present: true }
    priority: low
    tags: [team:security]
exclude:
  - name: no-health-noise
    match:
      eventSource: health.amazonaws.com
`;

describe('trailstream rules test', () => {
  it('shows per record whether it is kept or dropped, by which rule and line, and the event it becomes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rules-'));
    const file = join(dir, 'rules.yaml');
    await writeFile(file, rules);
    const result = await runCli(['rules', 'test', '--rules', file, '--json', day]);
    expect(result.code, result.stderr).toBe(0);
    const rows = result.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows).toHaveLength(2900);

    const kept = rows.filter((r) => r.decision === 'included');
    expect(kept.length).toBeGreaterThan(0);
    for (const row of kept) {
      expect(row.rule).toEqual({ name: 'failed-calls', line: 3 });
      expect(row.event.priority).toBe('low');
      expect(row.event.tags).toContain('team:security');
      expect(row.event.tags.some((t: string) => t.startsWith('error_code:'))).toBe(true);
    }
    const excluded = rows.filter((r) => r.decision === 'excluded');
    expect(excluded.length).toBeGreaterThan(0);
    expect(
      excluded.every((r) => r.rule.name === 'no-health-noise' && r.rule.line === 9 && r.event === null),
    ).toBe(true);
    expect(rows.filter((r) => r.decision === 'not-included').every((r) => r.rule === null)).toBe(true);
    expect(result.stderr).toContain(
      `2900 records, ${kept.length} kept, ${excluded.length} excluded by a rule`,
    );
  });

  it('reads a single file and prints readable lines', async () => {
    const [first] = (await readdir(day)).sort();
    const result = await runCli(['rules', 'test', join(day, first!)]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^(KEPT|DROPPED) {2,5}\S+\.amazonaws\.com \S+/m);
    expect(result.stderr).toMatch(/default\.yaml: \d+ records/);
  });

  it('fails clearly without files, or on a path that does not exist', async () => {
    expect((await runCli(['rules', 'test'])).stderr).toContain('name at least one CloudTrail file or folder');
    const missing = await runCli(['rules', 'test', '/no/such/trail']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('/no/such/trail does not exist');
  });
});
