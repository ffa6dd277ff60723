import { readFile, rename, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { CliError } from './cli-error.js';

/** What a replay has done so far: every day up to `doneThrough` was enqueued and acknowledged by Kafka. */
const positionShape = z.object({
  source: z.string(),
  since: z.string(),
  until: z.string(),
  /** `--force`: references marked to bypass the duplicate check. Absent in files written before it existed. */
  force: z.boolean().default(false),
  doneThrough: z.string().nullable(),
  references: z.number().int().nonnegative(),
});

export type ReplayPosition = z.infer<typeof positionShape>;

export async function readReplayPosition(file: string): Promise<ReplayPosition | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CliError(`cannot read replay position ${file}: ${(error as Error).message}`);
  }
  const parsed = positionShape.safeParse(JSON.parse(text));
  if (!parsed.success) throw new CliError(`${file} is not a replay position file (delete it to start over)`);
  return parsed.data;
}

/** Written to a temporary file and renamed, so a crash never leaves a half-written position. */
export async function writeReplayPosition(file: string, position: ReplayPosition): Promise<void> {
  await writeFile(`${file}.tmp`, `${JSON.stringify(position, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
}
