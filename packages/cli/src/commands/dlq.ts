import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Partitioners } from 'kafkajs';
import { CliError } from '../cli-error.js';
import { defineCommand, parsePositiveInteger } from '../command.js';
import {
  type DeadLetterTopicEntry,
  describeEntry,
  entryJson,
  isDeadLetter,
  readDeadLetters,
} from '../dead-letters.js';
import { connectKafka, requireTopic } from '../kafka-connection.js';

export const REPLAYED_FROM_HEADER = 'trailstream-replayed-from';

/** What --stage, --reason and --position select; a message that is no dead letter has neither stage nor reason. */
function selection(values: { stage?: string; reason?: string; position?: string[] }) {
  const positions = new Set(values.position ?? []);
  return (entry: DeadLetterTopicEntry) =>
    (positions.size === 0 || positions.has(entry.position)) &&
    (isDeadLetter(entry)
      ? (values.stage === undefined || entry.letter.stage === values.stage) &&
        (values.reason === undefined || entry.letter.reasonClass === values.reason)
      : values.stage === undefined && values.reason === undefined);
}

function summary(entries: DeadLetterTopicEntry[], topic: string, topicEmpty: boolean, filtered: boolean) {
  const letters = entries.filter(isDeadLetter).length;
  const others = entries.length - letters;
  if (entries.length === 0)
    return topicEmpty || !filtered ? `no dead letters in ${topic}` : `no dead letters in ${topic} match`;
  return `${letters} dead letter(s)${others > 0 ? ` and ${others} other message(s)` : ''} in ${topic}`;
}

export const dlqCommand = defineCommand({
  name: 'dlq',
  summary: 'list dead letters with their reasons, and send chosen ones back to their stage',
  usage:
    'trailstream dlq list [filters] [--json] | trailstream dlq replay (--position P:O ... | --reason R | --all) [--queue-url URL]',
  optionHelp: [
    ['--brokers <list>', 'Kafka bootstrap servers (default: $KAFKA_BROKERS)'],
    ['--stage <name>', 'only letters from this stage (discovery, fetcher-parser, filter-mapper, emitter)'],
    ['--reason <class>', 'only letters with this reason class, e.g. truncated-gzip'],
    ['--position <p:o>', 'only this letter (partition:offset in the dead-letter topic); repeatable'],
    ['--limit <n>', 'list: only the newest n entries (read from the end of the topic)'],
    ['--json', 'list as one JSON object per line'],
    ['--all', 'replay: every selected letter (required when no --position or --reason narrows it)'],
    ['--queue-url <url>', 'replay: where discovery letters (SQS bodies) go back to'],
  ],
  options: {
    brokers: { type: 'string' },
    stage: { type: 'string' },
    reason: { type: 'string' },
    position: { type: 'string', multiple: true },
    limit: { type: 'string' },
    json: { type: 'boolean' },
    all: { type: 'boolean' },
    'queue-url': { type: 'string' },
  },
  async run({ values, positionals }) {
    const [action] = positionals;
    if (action !== 'list' && action !== 'replay') {
      throw new CliError(
        `expected 'list' or 'replay', got ${action === undefined ? 'nothing' : `'${action}'`}`,
      );
    }
    if (action === 'replay' && !values.all && !values.position && !values.reason) {
      throw new CliError(
        'replay needs --position, --reason or --all, so that nothing is replayed by accident',
      );
    }
    const limit = values.limit === undefined ? undefined : parsePositiveInteger('--limit', values.limit, 1);
    const { kafka, topics } = connectKafka(values.brokers);
    const topic = topics.TOPIC_DLQ;
    await requireTopic(kafka, topic);
    const filtered = Boolean(values.stage ?? values.reason ?? values.position);
    const { entries, topicEmpty } = await readDeadLetters(kafka, topic, {
      keep: selection(values),
      newest: action === 'list' ? limit : undefined,
    });

    if (action === 'list') {
      for (const entry of entries) {
        process.stdout.write(`${values.json ? JSON.stringify(entryJson(entry)) : describeEntry(entry)}\n`);
      }
      const newest = limit === undefined || entries.length === 0 ? '' : ` (the newest; --limit ${limit})`;
      process.stderr.write(`${summary(entries, topic, topicEmpty, filtered)}${newest}\n`);
      return 0;
    }

    for (const position of values.position ?? []) {
      const entry = entries.find((e) => e.position === position);
      if (entry === undefined)
        throw new CliError(`${topic} holds no dead letter at ${position}; nothing replayed`);
      if (!isDeadLetter(entry))
        throw new CliError(`${position} is not a dead letter (${entry.notADeadLetter}); nothing replayed`);
    }
    const letters = entries.filter(isDeadLetter);
    const fromSqs = letters.find(({ letter }) => letter.originalTopic === null);
    if (fromSqs && !values['queue-url']) {
      throw new CliError(
        `letter ${fromSqs.position} came from outside Kafka (an SQS message); pass --queue-url to send it back. Nothing replayed.`,
      );
    }
    for (const entry of entries) {
      if (!isDeadLetter(entry))
        process.stderr.write(`skipped ${entry.position}: not a dead letter (${entry.notADeadLetter})\n`);
    }
    if (letters.length === 0) {
      process.stderr.write(`${summary(entries, topic, topicEmpty, filtered)}: nothing to replay\n`);
      return 0;
    }
    const producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    let replayed = 0;
    try {
      for (const { position, letter } of letters) {
        if (letter.originalTopic !== null) {
          const headers: Record<string, Buffer> = Object.fromEntries(
            letter.originalHeaders.map((h) => [h.key, h.value]),
          );
          headers[REPLAYED_FROM_HEADER] = Buffer.from(`${topic}/${position}`);
          await producer.send({
            topic: letter.originalTopic,
            acks: -1,
            messages: [{ key: letter.originalKey, value: letter.originalValue, headers }],
          });
        } else {
          await new SQSClient({}).send(
            new SendMessageCommand({
              QueueUrl: values['queue-url'],
              MessageBody: letter.originalValue?.toString('utf8') ?? '',
            }),
          );
        }
        replayed++;
        process.stdout.write(`replayed ${position} → ${letter.originalTopic ?? values['queue-url']}\n`);
      }
    } finally {
      await producer.disconnect();
    }
    process.stderr.write(`${replayed} dead letter(s) sent back\n`);
    return 0;
  },
});
