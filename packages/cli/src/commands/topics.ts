import { discoveryEnv } from '@trailstream/discovery';
import { fetcherEnv, seenObjectsTopic } from '@trailstream/fetcher-parser';
import {
  ConfigError,
  compactedTopic,
  ensureTopics,
  loadConfig,
  pipelineTopics,
  type TopicSpec,
} from '@trailstream/runtime';
import { CliError } from '../cli-error.js';
import { defineCommand, parsePositiveInteger } from '../command.js';
import { connectKafka } from '../kafka-connection.js';

export const topicsCommand = defineCommand({
  name: 'topics',
  summary: 'create the pipeline and state topics with the right partitions, compaction and retention',
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
    const specs: TopicSpec[] = [...pipelineTopics(topics, partitions), ...stateTopics(partitions)];
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

/** The stages' own state, named by the same variables the services read (with the same defaults). */
function stateTopics(partitions: number): TopicSpec[] {
  const shape = {
    TOPIC_SEEN_OBJECTS: fetcherEnv.TOPIC_SEEN_OBJECTS,
    DUPLICATE_RETENTION_HOURS: fetcherEnv.DUPLICATE_RETENTION_HOURS,
    POLL_CHECKPOINT_TOPIC: discoveryEnv.POLL_CHECKPOINT_TOPIC,
    POLL_CHECKPOINT_PARTITIONS: discoveryEnv.POLL_CHECKPOINT_PARTITIONS,
  };
  try {
    const config = loadConfig(shape);
    return [
      // Co-partitioned with the objects topic: changelog partition N belongs to input partition N.
      seenObjectsTopic(config.TOPIC_SEEN_OBJECTS, partitions, config.DUPLICATE_RETENTION_HOURS),
      compactedTopic(config.POLL_CHECKPOINT_TOPIC, config.POLL_CHECKPOINT_PARTITIONS),
    ];
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message);
    throw error;
  }
}
