import type { CloudTrailRecord } from '@trailstream/schemas';
import { collectMessages, type ServiceProcess, syntheticTrail } from '@trailstream/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  collectRecords,
  createFetcherRig,
  type FetcherRig,
  putObject,
  sendRefs,
  startFetcher,
  waitForInputConsumed,
} from './fetcher-harness.js';

let rig: FetcherRig;
const running: ServiceProcess[] = [];

beforeAll(async () => {
  rig = await createFetcherRig({
    OBJECTS_PER_TRANSACTION: '1',
    // Many small produce requests stretch the big file over seconds, so the kill lands mid-file.
    PRODUCE_BATCH_MESSAGES: '20',
  });
});

afterAll(async () => {
  for (const service of running) await service.stop();
  await rig?.close();
});

const ofKey = (records: CloudTrailRecord[], key: string) => records.filter((r) => r.origin.key === key);

it('yields every record exactly once to a read-committed consumer across a SIGKILL mid-file', {
  timeout: 300_000,
}, async () => {
  const [small] = [...syntheticTrail({ files: 1, recordsPerFile: 1, seed: `${rig.bucket}-small` })];
  const [big] = [...syntheticTrail({ files: 1, recordsPerFile: 40_000, seed: `${rig.bucket}-big` })];
  const smallRef = await putObject(rig, small!.key, small!.body);
  const bigRef = await putObject(rig, big!.key, big!.body);

  const first = await startFetcher(rig);
  running.push(first);
  await sendRefs(rig, [smallRef]);
  await collectRecords(rig, (all) => ofKey(all, small!.key).length === 1);
  await sendRefs(rig, [bigRef]);
  // Kill it once part of the big file is out, uncommitted.
  const partial = await collectMessages(rig.kafka, rig.topics.records, {
    readUncommitted: true,
    until: (messages) => messages.length >= 2_000,
    timeoutMs: 60_000,
  });
  expect(partial.length).toBeGreaterThanOrEqual(2_000);
  await first.stop('SIGKILL');
  const committedAtKill = ofKey(await collectRecords(rig, () => false, 2_000), big!.key);
  expect(committedAtKill.length).toBeLessThan(big!.eventIDs.length);

  const second = await startFetcher(rig);
  running.push(second);
  // Duplicates of both objects, sent to the restarted process: its restored state must skip them.
  await sendRefs(rig, [smallRef, bigRef]);
  await waitForInputConsumed(rig, 180_000);
  const records = await collectRecords(rig, () => false, 5_000);

  expect(ofKey(records, small!.key).map((r) => r.eventID)).toEqual(small!.eventIDs);
  const bigRecords = ofKey(records, big!.key);
  expect(bigRecords.map((r) => r.eventID)).toEqual(big!.eventIDs);
  expect(bigRecords.map((r) => r.origin.index)).toEqual(big!.eventIDs.map((_, index) => index));
  expect(records).toHaveLength(1 + big!.eventIDs.length);
});
