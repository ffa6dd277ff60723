import { describe, expect, it } from 'vitest';
import { SeenObjects } from './seen-objects.js';
import { parseSeenObject, seenObjectMessage } from './seen-objects-changelog.js';

const hour = 3_600_000;
const entry = (objectKey: string, etag: string, processedAt: number) => ({ objectKey, etag, processedAt });

describe('SeenObjects', () => {
  it('keeps a committed progress entry as the resume point of the same input message, never as a duplicate', () => {
    const seen = new SeenObjects(hour);
    const progress = { ...entry('s3://b/big', 'e', 0), resume: { offset: '7', nextRecord: 20_000 } };
    seen.beginMessage(0, 7n);
    seen.markPending(0, 7n, progress);
    expect(seen.has(0, 's3://b/big', 'e', 1)).toBe(false);
    expect(seen.nextRecord(0, 's3://b/big', 'e', '7')).toBe(0);
    seen.commit(0, 1);
    expect(seen.has(0, 's3://b/big', 'e', 1)).toBe(false);
    expect(seen.nextRecord(0, 's3://b/big', 'e', '7')).toBe(20_000);
    // Another reference, or another version of the object, starts at its first record.
    expect(seen.nextRecord(0, 's3://b/big', 'e', '8')).toBe(0);
    expect(seen.nextRecord(0, 's3://b/big', 'other', '7')).toBe(0);
    // The final entry replaces the progress: a duplicate from then on.
    seen.beginMessage(0, 7n);
    seen.markPending(0, 7n, entry('s3://b/big', 'e', 2));
    seen.commit(0, 2);
    expect(seen.has(0, 's3://b/big', 'e', 3)).toBe(true);
    expect(seen.nextRecord(0, 's3://b/big', 'e', '7')).toBe(0);
  });

  it('reads a progress entry back from the changelog, and restores it', () => {
    const progress = { ...entry('s3://b/big', 'e', 5), resume: { offset: '12', nextRecord: 30_000 } };
    const message = seenObjectMessage(progress, 1);
    const parsed = parseSeenObject(Buffer.from(message.key as string), Buffer.from(message.value as string));
    expect(parsed).toEqual(progress);
    const seen = new SeenObjects(hour);
    seen.restore(1, [entry('s3://b/big', 'old', 1), parsed!], 10);
    expect(seen.nextRecord(1, 's3://b/big', 'e', '12')).toBe(30_000);
    expect(seen.has(1, 's3://b/big', 'old', 10)).toBe(false);
  });

  it('knows an object once its transaction committed, and only that version of it', () => {
    const seen = new SeenObjects(24 * hour);
    seen.beginMessage(0, 10n);
    seen.markPending(0, 10n, entry('s3://b/k', 'e1', 1000));
    seen.commit(0, 1000);
    expect(seen.has(0, 's3://b/k', 'e1', 2000)).toBe(true);
    expect(seen.has(0, 's3://b/k', 'e2', 2000)).toBe(false);
    expect(seen.has(1, 's3://b/k', 'e1', 2000)).toBe(false);
  });

  it('sees a duplicate within the same open transaction', () => {
    const seen = new SeenObjects(hour);
    seen.markPending(3, 5n, entry('s3://b/k', 'e', 0));
    seen.beginMessage(3, 6n);
    expect(seen.has(3, 's3://b/k', 'e', 1)).toBe(true);
  });

  it('forgets what an aborted transaction marked when the partition starts over', () => {
    const seen = new SeenObjects(hour);
    seen.beginMessage(0, 5n);
    seen.markPending(0, 5n, entry('s3://b/a', 'e', 0));
    seen.beginMessage(0, 6n);
    seen.markPending(0, 6n, entry('s3://b/b', 'e', 0));
    // The transaction aborted; the runtime hands offset 5 again.
    seen.beginMessage(0, 5n);
    expect(seen.has(0, 's3://b/a', 'e', 1)).toBe(false);
    expect(seen.has(0, 's3://b/b', 'e', 1)).toBe(false);
  });

  it('expires entries after the retention, on restore and on commit', () => {
    const seen = new SeenObjects(hour);
    seen.restore(0, [entry('s3://b/old', 'e', 0), entry('s3://b/new', 'e', 2 * hour)], 2 * hour + 1);
    expect(seen.has(0, 's3://b/old', 'e', 2 * hour + 1)).toBe(false);
    expect(seen.has(0, 's3://b/new', 'e', 2 * hour + 1)).toBe(true);
    expect(seen.has(0, 's3://b/new', 'e', 3 * hour)).toBe(false);
    seen.markPending(0, 1n, entry('s3://b/latest', 'e', 3 * hour));
    seen.commit(0, 3 * hour);
    expect(seen.size).toBe(1);
  });

  it('keeps the newest changelog entry per object on restore', () => {
    const seen = new SeenObjects(hour);
    seen.restore(0, [entry('s3://b/k', 'old', 10), entry('s3://b/k', 'new', 20)], 30);
    expect(seen.has(0, 's3://b/k', 'new', 30)).toBe(true);
    expect(seen.has(0, 's3://b/k', 'old', 30)).toBe(false);
  });

  it('drops partitions that were revoked', () => {
    const seen = new SeenObjects(hour);
    seen.restore(0, [entry('s3://b/a', 'e', 0)], 0);
    seen.restore(1, [entry('s3://b/b', 'e', 0)], 0);
    seen.retainOnly([1]);
    expect(seen.has(0, 's3://b/a', 'e', 1)).toBe(false);
    expect(seen.size).toBe(1);
  });
});

describe('the seen-objects changelog', () => {
  it('writes an entry to the input partition and reads it back', () => {
    const message = seenObjectMessage(entry('s3://b/AWSLogs/ü k.json.gz', 'abc', 1234), 7);
    expect(message.partition).toBe(7);
    expect(parseSeenObject(Buffer.from(message.key as string), Buffer.from(message.value as string))).toEqual(
      entry('s3://b/AWSLogs/ü k.json.gz', 'abc', 1234),
    );
  });

  it.each([
    ['a tombstone', Buffer.from('s3://b/k'), null],
    ['no key', null, Buffer.from('{"etag":"e","processedAt":1}')],
    ['not JSON', Buffer.from('k'), Buffer.from('nope')],
    ['another shape', Buffer.from('k'), Buffer.from('{"etag":1}')],
  ])('ignores %s', (_, key, value) => {
    expect(parseSeenObject(key, value)).toBeNull();
  });
});
