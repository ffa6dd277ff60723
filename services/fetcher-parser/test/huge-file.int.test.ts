import { type HugeTrailObject, hugeTrailObject, type ServiceProcess } from '@trailstream/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  createFetcherRig,
  type FetcherRig,
  putObject,
  sendRefs,
  startFetcher,
  waitForInputConsumed,
} from './fetcher-harness.js';

const RECORDS = 2_000_000;
const RECORDS_PER_TRANSACTION = 10_000;
const TRANSACTION_WORK_MS = 10_000;

let rig: FetcherRig;
const running: ServiceProcess[] = [];

beforeAll(async () => {
  rig = await createFetcherRig({
    RECORDS_PER_TRANSACTION: String(RECORDS_PER_TRANSACTION),
    TRANSACTION_WORK_MS: String(TRANSACTION_WORK_MS),
    PRODUCE_BATCH_MESSAGES: '2000',
    // The killed process's partitions move to the new one once its session expires.
    KAFKA_SESSION_TIMEOUT_MS: '6000',
    // Each commit is logged at debug level with its duration: the test counts them.
    LOG_LEVEL: 'debug',
  });
});

afterAll(async () => {
  for (const service of running) await service.stop();
  await rig?.close();
});

interface Commit {
  ms: number;
  records: number;
}

function commitsOf(service: ServiceProcess): Commit[] {
  return service.output
    .filter((line) => line.includes('"msg":"transaction committed"'))
    .map((line) => JSON.parse(line) as Commit);
}

async function waitForCommits(service: ServiceProcess, count: number, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (commitsOf(service).length < count) {
    if (Date.now() > deadline) throw new Error(`fewer than ${count} commits within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Reads the records topic, read committed, counting deliveries per record index (a byte each, not a
 * set of 2,000,000 strings); large fetches keep it quick. Ends once every record was seen and nothing
 * more came for 2 s (the input was consumed before: nothing more is produced).
 */
async function tallyRecords(rig: FetcherRig, file: HugeTrailObject) {
  const deliveries = new Uint8Array(file.records);
  let foreign = 0;
  let distinct = 0;
  const consumer = rig.kafka.consumer({
    groupId: `${rig.env.KAFKA_GROUP_ID}-tally`,
    readUncommitted: false,
    maxBytesPerPartition: 32 * 1024 * 1024,
    maxBytes: 64 * 1024 * 1024,
    maxWaitTimeInMs: 200,
  });
  await consumer.connect();
  await consumer.subscribe({ topic: rig.topics.records, fromBeginning: true });
  let lastBatchAt = Date.now();
  await consumer.run({
    eachBatch: async ({ batch }) => {
      for (const message of batch.messages) {
        const index = file.indexOf(message.key?.toString() ?? '');
        if (index === undefined) foreign++;
        else {
          if (deliveries[index] === 0) distinct++;
          if (deliveries[index]! < 255) deliveries[index]!++;
        }
      }
      lastBatchAt = Date.now();
    },
  });
  const deadline = Date.now() + 120_000;
  while (!(distinct === file.records && Date.now() - lastBatchAt > 2_000) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await consumer.disconnect();
  return { deliveries, foreign };
}

it(`a file of ${RECORDS.toLocaleString('en')} records: bounded transactions, SIGKILL mid-file, every eventID exactly once`, {
  // Two million records through one process on a shared 2-core machine: minutes, more on a busy day.
  timeout: 600_000,
}, async () => {
  const began = Date.now();
  const file = await hugeTrailObject(RECORDS, rig.bucket);
  const ref = await putObject(rig, file.key, file.body);

  const first = await startFetcher(rig);
  running.push(first);
  await sendRefs(rig, [ref]);
  // Well into the file: a few hundred thousand records committed, the rest to come.
  await waitForCommits(first, 30);
  await first.stop('SIGKILL');
  const killedAt = Date.now();
  const committedBeforeKill = commitsOf(first);

  const second = await startFetcher(rig);
  running.push(second);
  const resumed = JSON.parse(await second.waitForOutput(/resuming the object/, 60_000)) as {
    nextRecord: number;
  };
  await waitForCommits(second, 1);
  const recoveryMs = Date.now() - killedAt;
  // It resumes after the last record the killed process committed, not at the start of the file.
  expect(resumed.nextRecord).toBeGreaterThanOrEqual(committedBeforeKill.length * RECORDS_PER_TRANSACTION);
  expect(resumed.nextRecord).toBeLessThan(RECORDS);

  await waitForInputConsumed(rig, 180_000);
  const consumedAt = Date.now();
  const { deliveries, foreign } = await tallyRecords(rig, file);
  const checkMs = Date.now() - consumedAt;
  const missing = deliveries.filter((n) => n === 0).length;
  const duplicated = deliveries.filter((n) => n > 1).length;

  const commits = [...committedBeforeKill, ...commitsOf(second)];
  const longest = Math.max(...commits.map((c) => c.ms));
  console.log(
    `huge file: ${RECORDS} records in ${commits.length} committed transactions (${committedBeforeKill.length} before the SIGKILL), ` +
      `longest ${longest} ms, largest ${Math.max(...commits.map((c) => c.records))} records; ` +
      `resumed at record ${resumed.nextRecord}; first commit ${recoveryMs} ms after the SIGKILL; ` +
      `file made and killed at ${killedAt - began} ms, all committed at ${consumedAt - began} ms, checked in ${checkMs} ms`,
  );
  expect({ missing, duplicated, foreign }).toEqual({ missing: 0, duplicated: 0, foreign: 0 });
  expect(commits.length).toBeGreaterThanOrEqual(RECORDS / RECORDS_PER_TRANSACTION);
  // Each transaction holds its bound of records (plus the progress entry) and stays far under the timeout.
  expect(Math.max(...commits.map((c) => c.records))).toBeLessThanOrEqual(RECORDS_PER_TRANSACTION + 1);
  expect(longest).toBeLessThan(TRANSACTION_WORK_MS + 5_000);
});
