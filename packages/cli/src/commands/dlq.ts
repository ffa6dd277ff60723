import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Partitioners } from 'kafkajs';
import { CliError } from '../cli-error.js';
import { defineCommand, parsePositiveInteger } from '../command.js';
import {
  deadLetterJson,
  describeDeadLetter,
  readDeadLetters,
  type StoredDeadLetter,
} from '../dead-letters.js';
import { connectKafka, requireTopic } from '../kafka-connection.js';

export const REPLAYED_FROM_HEADER = 'trailstream-replayed-from';

function select(
  letters: StoredDeadLetter[],
  values: { stage?: string; reason?: string; position?: string[] },
) {
  const positions = new Set(values.position ?? []);
  return letters.filter(
    ({ position, letter }) =>
      (values.stage === undefined || letter.stage === values.stage) &&
      (values.reason === undefined || letter.reasonClass === values.reason) &&
      (positions.size === 0 || positions.has(position)),
  );
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
    ['--limit <n>', 'list at most n letters (newest last)'],
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
    const limit = parsePositiveInteger('--limit', values.limit, Number.MAX_SAFE_INTEGER);
    const { kafka, topics } = connectKafka(values.brokers);
    await requireTopic(kafka, topics.TOPIC_DLQ);
    const selected = select(await readDeadLetters(kafka, topics.TOPIC_DLQ), values);

    if (action === 'list') {
      for (const stored of selected.slice(-limit)) {
        process.stdout.write(
          `${values.json ? JSON.stringify(deadLetterJson(stored)) : describeDeadLetter(stored)}\n`,
        );
      }
      process.stderr.write(`${selected.length} dead letter(s) in ${topics.TOPIC_DLQ}\n`);
      return 0;
    }

    if (!values.all && !values.position && !values.reason) {
      throw new CliError(
        'replay needs --position, --reason or --all, so that nothing is replayed by accident',
      );
    }
    const producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    let replayed = 0;
    try {
      for (const { position, letter } of selected) {
        if (letter.originalTopic !== null) {
          const headers: Record<string, Buffer> = Object.fromEntries(
            letter.originalHeaders.map((h) => [h.key, h.value]),
          );
          headers[REPLAYED_FROM_HEADER] = Buffer.from(`${topics.TOPIC_DLQ}/${position}`);
          await producer.send({
            topic: letter.originalTopic,
            acks: -1,
            messages: [{ key: letter.originalKey, value: letter.originalValue, headers }],
          });
        } else if (values['queue-url']) {
          await new SQSClient({}).send(
            new SendMessageCommand({
              QueueUrl: values['queue-url'],
              MessageBody: letter.originalValue?.toString('utf8') ?? '',
            }),
          );
        } else {
          throw new CliError(
            `letter ${position} came from outside Kafka (an SQS message); pass --queue-url to send it back. Replayed ${replayed} before it.`,
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
