import { buildDeadLetter, deadLetterMessage } from '@trailstream/runtime';
import { collectMessages, createTestTopics, testKafka, uniqueName } from '@trailstream/testkit';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const kafka = testKafka();

describe('trailstream topics', () => {
  it('creates the pipeline topics with their settings, and a second run changes nothing', async () => {
    const prefix = uniqueName('cli');
    const env = {
      TOPIC_OBJECTS: `${prefix}.objects`,
      TOPIC_RECORDS: `${prefix}.records`,
      TOPIC_DATADOG: `${prefix}.datadog`,
      TOPIC_DLQ: `${prefix}.dlq`,
      TOPIC_SEEN_OBJECTS: `${prefix}.seen-objects`,
      POLL_CHECKPOINT_TOPIC: `${prefix}.checkpoints`,
      TOPIC_DIGESTS: `${prefix}.digests`,
      TOPIC_LOG_FILE_HASHES: `${prefix}.log-file-hashes`,
      TOPIC_INTEGRITY_CHAINS: `${prefix}.integrity-chains`,
      POLL_CHECKPOINT_PARTITIONS: '2',
    };
    const first = await runCli(['topics', '--partitions', '3'], env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(`create       ${prefix}.objects partitions=3`);

    const admin = kafka.admin();
    await admin.connect();
    const { POLL_CHECKPOINT_PARTITIONS: _, ...topicNames } = env;
    const metadata = await admin.fetchTopicMetadata({ topics: Object.values(topicNames) });
    await admin.disconnect();
    const partitions = Object.fromEntries(metadata.topics.map((t) => [t.name, t.partitions.length]));
    expect(partitions).toEqual({
      [env.TOPIC_OBJECTS]: 3,
      [env.TOPIC_RECORDS]: 3,
      [env.TOPIC_DATADOG]: 3,
      [env.TOPIC_DLQ]: 1,
      [env.TOPIC_SEEN_OBJECTS]: 3,
      [env.POLL_CHECKPOINT_TOPIC]: 2,
      [env.TOPIC_DIGESTS]: 3,
      [env.TOPIC_LOG_FILE_HASHES]: 3,
      [env.TOPIC_INTEGRITY_CHAINS]: 3,
    });
    expect(first.stdout).toMatch(
      new RegExp(`create +${prefix}\\.seen-objects partitions=3 .*cleanup.policy=compact,delete`),
    );
    expect(first.stdout).toMatch(
      new RegExp(`create +${prefix}\\.checkpoints partitions=2 cleanup.policy=compact`),
    );

    const second = await runCli(['topics', '--partitions', '3'], env);
    expect(
      second.stdout
        .split('\n')
        .filter(Boolean)
        .every((line) => line.startsWith('exists')),
    ).toBe(true);
  });

  it('rejects bad input with a clear message and a non-zero exit', async () => {
    const bad = await runCli(['topics', '--partitions', 'many']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--partitions expects a positive whole number, got "many"');
    const unknown = await runCli(['nonsense']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'nonsense'");
    const help = await runCli(['dlq', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: trailstream dlq list');
  });
});

describe('trailstream dlq', () => {
  it('lists dead letters with their reasons and sends chosen ones back to their stage input', async () => {
    const topics = await createTestTopics(kafka, { objects: {}, dlq: {} });
    const env = { TOPIC_DLQ: topics.dlq };
    const producer = kafka.producer();
    await producer.connect();
    const letters = [
      buildDeadLetter(
        'fetcher-parser',
        {
          topic: topics.objects,
          partition: 0,
          offset: '7',
          key: 's3://b/truncated.json.gz',
          value: Buffer.from([1, 2, 3]),
        },
        { reasonClass: 'truncated-gzip', reasonMessage: 'unexpected end of file', attempts: 1 },
      ),
      buildDeadLetter(
        'fetcher-parser',
        {
          topic: topics.objects,
          partition: 0,
          offset: '9',
          key: 's3://b/gone.json.gz',
          value: Buffer.from([4, 5]),
        },
        { reasonClass: 'no-such-key', reasonMessage: 'NoSuchKey', attempts: 3 },
      ),
    ];
    await producer.send({ topic: topics.dlq, messages: letters.map(deadLetterMessage) });
    await producer.disconnect();

    const listed = await runCli(['dlq', 'list'], env);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(
      /0:0 .* fetcher-parser +truncated-gzip .* key=s3:\/\/b\/truncated.json.gz +— unexpected end of file/,
    );
    expect(listed.stderr).toContain('2 dead letter(s)');

    const json = await runCli(['dlq', 'list', '--json', '--reason', 'no-such-key'], env);
    const [only, ...rest] = json.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(rest).toEqual([]);
    expect(only).toMatchObject({
      position: '0:1',
      stage: 'fetcher-parser',
      reasonClass: 'no-such-key',
      attempts: 3,
    });

    const refused = await runCli(['dlq', 'replay'], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('replay needs --position, --reason or --all');

    const replayed = await runCli(['dlq', 'replay', '--reason', 'truncated-gzip'], env);
    expect(replayed.code, replayed.stderr).toBe(0);
    const [back] = await collectMessages(kafka, topics.objects, { until: (m) => m.length >= 1 });
    expect(back?.key?.toString()).toBe('s3://b/truncated.json.gz');
    expect(back?.value).toEqual(Buffer.from([1, 2, 3]));
    expect(back?.headers?.['trailstream-replayed-from']?.toString()).toBe(`${topics.dlq}/0:0`);
  });
});
