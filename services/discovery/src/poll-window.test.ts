import { type CloudTrailStream, dayPrefix, everyAccountAndRegion } from '@trailstream/cloudtrail';
import type { ListedObject } from '@trailstream/trail-bucket';
import { describe, expect, it } from 'vitest';
import { foldListing, planListing, type StreamCheckpoint, windowStart } from './poll-window.js';

const stream: CloudTrailStream = {
  prefix: '',
  organizationId: null,
  accountId: '111122223333',
  region: 'eu-west-1',
  kind: 'log',
};
const settings = { latenessMs: 30 * 60_000, startAt: null };
const rules = everyAccountAndRegion();
const at = (iso: string) => Date.parse(iso);

function file(stamp: string, unique = 'x'): ListedObject {
  const day = {
    year: Number(stamp.slice(0, 4)),
    month: Number(stamp.slice(4, 6)),
    day: Number(stamp.slice(6, 8)),
  };
  return {
    key: `${dayPrefix(stream, day)}111122223333_CloudTrail_eu-west-1_${stamp}Z_${unique}.json.gz`,
    size: 10,
    etag: 'e',
  };
}

/** S3's answer to a planned listing: what is in the folder, after StartAfter, in key order. */
function listBucket(
  bucket: ListedObject[],
  checkpoint: StreamCheckpoint | null,
  now: number,
): ListedObject[] {
  return planListing(stream, checkpoint, now, settings).requests.flatMap((request) =>
    bucket
      .filter((object) => object.key.startsWith(request.prefix))
      .filter((object) => request.startAfter === undefined || object.key > request.startAfter)
      .sort((a, b) => a.key.localeCompare(b.key)),
  );
}

describe('planListing', () => {
  it('lists one day folder from one lateness window before the last listing', () => {
    const checkpoint = { listedUntil: at('2024-03-05T10:40:30Z'), newestDelivery: null, recent: [] };
    expect(planListing(stream, checkpoint, at('2024-03-05T10:41:00Z'), settings)).toEqual({
      requests: [
        {
          prefix: 'AWSLogs/111122223333/CloudTrail/eu-west-1/2024/03/05/',
          startAfter:
            'AWSLogs/111122223333/CloudTrail/eu-west-1/2024/03/05/111122223333_CloudTrail_eu-west-1_20240305T1010',
        },
      ],
      asOf: at('2024-03-05T10:41:00Z'),
      catchingUp: false,
    });
  });

  it('lists yesterday from the window start and today whole around midnight', () => {
    const checkpoint = { listedUntil: at('2024-03-06T00:10:00Z'), newestDelivery: null, recent: [] };
    const { requests } = planListing(stream, checkpoint, at('2024-03-06T00:11:00Z'), settings);
    expect(requests.map((request) => [request.prefix.slice(-11), request.startAfter?.slice(-13)])).toEqual([
      ['2024/03/05/', '20240305T2340'],
      ['2024/03/06/', undefined],
    ]);
  });

  it('starts a stream without checkpoint at the start date, or one window before now', () => {
    const now = at('2024-03-05T10:00:00Z');
    expect(windowStart(null, now, settings)).toBe(at('2024-03-05T09:30:00Z'));
    expect(windowStart(null, now, { ...settings, startAt: at('2024-03-01T00:00:00Z') })).toBe(
      at('2024-03-01T00:00:00Z'),
    );
  });

  it('catches up from a start date one checkpointed day at a time, emitting every file once', () => {
    const fromStart = { ...settings, startAt: at('2024-03-01T00:00:00Z') };
    const bucket = [
      file('20240301T0000'),
      file('20240301T2355'),
      file('20240303T1200'),
      file('20240305T0940'),
    ];
    const now = at('2024-03-05T10:00:00Z');
    const days: string[][] = [];
    const emitted: string[] = [];
    let checkpoint: StreamCheckpoint | null = null;
    for (let step = 0; step < 10; step++) {
      const plan = planListing(stream, checkpoint, now, fromStart);
      days.push(plan.requests.map((request) => request.prefix.slice(-11)));
      const listed = plan.requests.flatMap((request) =>
        bucket.filter(
          (o) => o.key.startsWith(request.prefix) && (!request.startAfter || o.key > request.startAfter),
        ),
      );
      const outcome = foldListing(checkpoint, listed, plan.asOf, rules, fromStart);
      emitted.push(...outcome.emit.map((o) => o.key));
      checkpoint = outcome.next;
      if (!plan.catchingUp) break;
    }
    expect(days).toEqual([
      ['2024/03/01/'],
      ['2024/03/02/'],
      ['2024/03/03/'],
      ['2024/03/04/'],
      ['2024/03/05/'],
    ]);
    expect(emitted).toEqual(bucket.map((o) => o.key));
    expect(checkpoint).toMatchObject({ listedUntil: now, recent: [bucket[3]!.key.split('/').at(-1)] });
  });
});

describe('foldListing over successive cycles', () => {
  it('emits each file once and catches files delivered late inside the window', () => {
    const bucket: ListedObject[] = [file('20240305T1000'), file('20240305T1010')];
    const first = foldListing(
      null,
      listBucket(bucket, null, at('2024-03-05T10:12:00Z')),
      at('2024-03-05T10:12:00Z'),
      rules,
      settings,
    );
    expect(first.emit.map((o) => o.key)).toEqual([bucket[0]!.key, bucket[1]!.key]);

    // The 10:05 file lands after the 10:10 one was listed; 10:15 arrives on time.
    bucket.push(file('20240305T1005'), file('20240305T1015'));
    const now = at('2024-03-05T10:17:00Z');
    const second = foldListing(first.next, listBucket(bucket, first.next, now), now, rules, settings);
    expect(second.emit.map((o) => o.key)).toEqual([bucket[2]!.key, bucket[3]!.key]);

    const later = at('2024-03-05T10:18:00Z');
    const third = foldListing(second.next, listBucket(bucket, second.next, later), later, rules, settings);
    expect(third.emit).toEqual([]);
  });

  it('forgets files once they leave the window, so state stays bounded', () => {
    const bucket = [file('20240305T1000'), file('20240305T1005')];
    const first = foldListing(
      null,
      listBucket(bucket, null, at('2024-03-05T10:06:00Z')),
      at('2024-03-05T10:06:00Z'),
      rules,
      settings,
    );
    expect(first.next.recent).toHaveLength(2);
    const now = at('2024-03-05T10:33:00Z');
    const second = foldListing(first.next, listBucket(bucket, first.next, now), now, rules, settings);
    expect(second.emit).toEqual([]);
    expect(second.next.recent).toEqual([bucket[1]!.key.split('/').at(-1)]);
    expect(second.next).toMatchObject({ listedUntil: now, newestDelivery: at('2024-03-05T10:05:00Z') });
  });

  it('does not re-emit across midnight', () => {
    const bucket = [file('20240305T2355'), file('20240306T0000')];
    const first = foldListing(
      null,
      listBucket(bucket, null, at('2024-03-06T00:01:00Z')),
      at('2024-03-06T00:01:00Z'),
      rules,
      settings,
    );
    expect(first.emit).toHaveLength(2);
    const now = at('2024-03-06T00:02:00Z');
    expect(foldListing(first.next, listBucket(bucket, first.next, now), now, rules, settings).emit).toEqual(
      [],
    );
  });

  it('skips digests and names without a delivery time, and says why', () => {
    const listed = [
      {
        key: `${dayPrefix(stream, { year: 2024, month: 3, day: 5 })}111122223333_CloudTrail-Digest_eu-west-1_t_eu-west-1_20240305T100012Z.json.gz`,
        size: 1,
        etag: null,
      },
      { key: `${dayPrefix(stream, { year: 2024, month: 3, day: 5 })}notes.txt`, size: 1, etag: null },
    ];
    const outcome = foldListing(null, listed, at('2024-03-05T10:05:00Z'), rules, settings);
    expect(outcome.emit).toEqual([]);
    expect(outcome.skipped).toEqual(['digest', 'no-delivery-time']);
  });

  it('lists a digest stream whole day folders and sends on only digests named as CloudTrail names them', () => {
    const digests: CloudTrailStream = { ...stream, kind: 'digest' };
    const now = at('2024-03-05T10:05:00Z');
    const plan = planListing(digests, null, now, settings);
    expect(plan.requests).toEqual([
      { prefix: 'AWSLogs/111122223333/CloudTrail-Digest/eu-west-1/2024/03/05/', startAfter: undefined },
    ]);
    const folder = plan.requests[0]!.prefix;
    const digest = `${folder}111122223333_CloudTrail-Digest_eu-west-1_0trail_eu-west-1_20240305T095012Z.json.gz`;
    const listed = [
      { key: digest, size: 1, etag: null },
      // A digest from before the window, and a log file that does not belong in this folder.
      {
        key: `${folder}111122223333_CloudTrail-Digest_eu-west-1_0trail_eu-west-1_20240305T085012Z.json.gz`,
        size: 1,
        etag: null,
      },
      { key: `${folder}111122223333_CloudTrail_eu-west-1_20240305T1000Z_x.json.gz`, size: 1, etag: null },
    ];
    const outcome = foldListing(null, listed, now, rules, settings, 'digest');
    expect(outcome.emit.map((object) => object.key)).toEqual([digest]);
    expect(outcome.skipped).toEqual(['not-cloudtrail']);
    expect(foldListing(outcome.next, listed, now + 60_000, rules, settings, 'digest').emit).toEqual([]);
  });
});
