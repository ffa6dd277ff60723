import { ensureTopics, pipelineTopics, type TopicSpec } from '@trailstream/runtime';
import { defineCommand, parsePositiveInteger } from '../command.js';
import { connectKafka } from '../kafka-connection.js';

export const topicsCommand = defineCommand({
  name: 'topics',
  summary: 'create the pipeline topics with the right partitions, compaction and retention',
  usage: 'trailstream topics [--brokers host:port] [--partitions 12] [--dry-run]',
  optionHelp: [
    ['--brokers <list>', 'Kafka bootstrap servers (default: $KAFKA_BROKERS)'],
    [
      '--partitions <n>',
      'partitions of the objects, records and datadog topics (default 12): the most replicas a stage can use',
    ],
    ['--dry-run', 'print what would be created and change nothing'],
  ],
  options: {
    brokers: { type: 'string' },
    partitions: { type: 'string' },
    'dry-run': { type: 'boolean' },
  },
  async run({ values }) {
    const partitions = parsePositiveInteger('--partitions', values.partitions, 12);
    const { kafka, topics } = connectKafka(values.brokers);
    const specs: TopicSpec[] = pipelineTopics(topics, partitions);
    const admin = kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      for (const spec of specs) {
        const settings = (spec.configEntries ?? []).map((e) => `${e.name}=${e.value}`).join(' ');
        const state = existing.has(spec.topic) ? 'exists' : values['dry-run'] ? 'would create' : 'create';
        process.stdout.write(
          `${state.padEnd(12)} ${spec.topic} partitions=${spec.numPartitions} ${settings}\n`,
        );
      }
      if (!values['dry-run']) await ensureTopics(kafka, specs);
    } finally {
      await admin.disconnect();
    }
    return 0;
  },
});
