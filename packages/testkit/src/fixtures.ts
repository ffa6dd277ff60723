import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Real CloudTrail data written by others (see each folder's SOURCE.md for origin and license). */
export const fixturesRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures');

export function fixturePath(...parts: string[]): string {
  return join(fixturesRoot, ...parts);
}

export function readFixture(...parts: string[]): Buffer {
  return readFileSync(fixturePath(...parts));
}

/** The 55 real log objects of the invictus-ir attack simulation, as CloudTrail wrote them (decompressed). */
export function cloudTrailLogFiles(): string[] {
  const folder = fixturePath('cloudtrail/invictus-ir-aws_dataset/CloudTrail');
  return readdirSync(folder)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => join(folder, name));
}
