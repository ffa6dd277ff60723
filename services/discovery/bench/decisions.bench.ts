// Prints JSON: how fast discovery decides (SQS bodies per second) and what a poll cycle costs in List
// calls as the bucket's history grows. Pure: the bucket is simulated in memory, pages of 1000 keys.
import { type CloudTrailStream, dayPrefix, everyAccountAndRegion, utcDayOf } from '@trailstream/cloudtrail';
import type { ListedObject } from '@trailstream/trail-bucket';
import { foldListing, planListing, type StreamCheckpoint } from '../src/poll-window.js';
import { planSqsMessage } from '../src/sqs-message-plan.js';

const rules = everyAccountAndRegion();
const MINUTE = 60_000;

function sqsThroughput(): number {
  const records = Array.from({ length: 10 }, (_, index) => ({
    eventName: 'ObjectCreated:Put',
    awsRegion: 'eu-west-1',
    s3: {
      bucket: { name: 'trail-bucket' },
      object: {
        key: `AWSLogs/111122223333/CloudTrail/eu-west-1/2024/03/05/111122223333_CloudTrail_eu-west-1_20240305T10${String(index).padStart(2, '0')}Z_abc.json.gz`,
        size: 1234,
        eTag: 'e',
      },
    },
  }));
  const body = JSON.stringify({ Records: records });
  const context = { rules, defaultRegion: 'us-east-1', now: Date.now() };
  const rounds = 20_000;
  const started = performance.now();
  for (let round = 0; round < rounds; round++) planSqsMessage(body, context);
  return Math.round(rounds / ((performance.now() - started) / 1000));
}

function streamOf(index: number): CloudTrailStream {
  const regions = ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1'];
  return {
    prefix: '',
    organizationId: null,
    accountId: String(100000000000 + Math.floor(index / regions.length)),
    region: regions[index % regions.length]!,
    kind: 'log',
  };
}

/** One file every 5 minutes per stream for `historyDays` days before `now`, sorted like S3 lists them. */
function simulatedBucket(stream: CloudTrailStream, now: number, historyDays: number): ListedObject[] {
  const objects: ListedObject[] = [];
  for (let time = now - historyDays * 1440 * MINUTE; time <= now - 5 * MINUTE; time += 5 * MINUTE) {
    const date = new Date(time);
    const stamp = date.toISOString().replace(/[-:]/g, '').slice(0, 13);
    objects.push({
      key: `${dayPrefix(stream, utcDayOf(time))}${stream.accountId}_CloudTrail_${stream.region}_${stamp}Z_${time}.json.gz`,
      size: 1000,
      etag: null,
    });
  }
  return objects.sort((a, b) => (a.key < b.key ? -1 : 1));
}

function pollCycleCost(streams: number, historyDays: number) {
  const now = Date.parse('2024-03-05T10:02:00Z');
  const settings = { latenessMs: 30 * MINUTE, startAt: null };
  let listCalls = 0;
  let objectsInBucket = 0;
  let elapsed = 0;
  let listedPerCycle = 0;
  for (let index = 0; index < streams; index++) {
    const stream = streamOf(index);
    const bucket = simulatedBucket(stream, now, historyDays);
    objectsInBucket += bucket.length;
    const checkpoint: StreamCheckpoint = { listedUntil: now - MINUTE, newestDelivery: null, recent: [] };
    let started = performance.now();
    const plan = planListing(stream, checkpoint, now, settings);
    elapsed += performance.now() - started;
    // What S3 would answer, outside the timing: it is the simulated bucket's cost, not discovery's.
    const listed: ListedObject[] = [];
    for (const request of plan.requests) {
      const page = bucket.filter(
        (o) => o.key.startsWith(request.prefix) && (!request.startAfter || o.key > request.startAfter),
      );
      listCalls += Math.max(1, Math.ceil(page.length / 1000));
      listed.push(...page);
    }
    listedPerCycle += listed.length;
    started = performance.now();
    foldListing(checkpoint, listed, plan.asOf, rules, settings);
    elapsed += performance.now() - started;
  }
  return {
    streams,
    historyDays,
    objectsInBucket,
    listCallsPerCycle: listCalls,
    keysListedPerCycle: listedPerCycle,
    decideMsPerCycle: Number(elapsed.toFixed(1)),
  };
}

console.log(
  JSON.stringify(
    {
      sqsBodiesPerSecond: sqsThroughput(),
      sqsBodyRecords: 10,
      pollCycles: [pollCycleCost(200, 1), pollCycleCost(200, 30)],
    },
    null,
    2,
  ),
);
