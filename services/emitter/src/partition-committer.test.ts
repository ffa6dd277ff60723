import { describe, expect, it } from 'vitest';
import { PartitionCommitter } from './partition-committer.js';

describe('PartitionCommitter', () => {
  it('commits the offset after the last settled message, never moving backwards', async () => {
    const commits: string[] = [];
    const committer = new PartitionCommitter(async (_last, next) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      commits.push(next);
    });
    await Promise.all([
      committer.commitThrough('9'),
      committer.commitThrough('4'),
      committer.commitThrough('12'),
    ]);
    await committer.commitThrough('12');
    expect(commits).toEqual(['10', '13']);
  });

  it('reports a failed commit and still commits later ones', async () => {
    const commits: string[] = [];
    let fail = true;
    const committer = new PartitionCommitter(async (_last, next) => {
      if (fail) {
        fail = false;
        throw new Error('coordinator moved');
      }
      commits.push(next);
    });
    await expect(committer.commitThrough('3')).rejects.toThrow('coordinator moved');
    await committer.commitThrough('3');
    expect(commits).toEqual(['4']);
  });
});
