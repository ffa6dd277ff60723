import {
  createPlannedTopics,
  type PlannedTopic,
  planTopics,
  readExistingTopics,
  topicFlow,
  topicSpecs,
  topology,
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
      'partitions of the objects, records and datadog topics (default: $TOPIC_PARTITIONS or 12): the most replicas a stage can use',
    ],
    ['--dry-run', 'print what would be created and change nothing'],
  ],
  options: {
    brokers: { type: 'string' },
    partitions: { type: 'string' },
    'dry-run': { type: 'boolean' },
  },
  async run({ values }) {
    const { kafka, topics } = connectKafka(values.brokers);
    const partitions = parsePositiveInteger('--partitions', values.partitions, topics.TOPIC_PARTITIONS);
    // The same list, names and settings the stages ensure at start.
    const specs = topicSpecs({ ...topics, TOPIC_PARTITIONS: partitions });
    const plan = planTopics(specs, await readExistingTopics(kafka, specs));
    for (const planned of plan.topics) process.stdout.write(`${describe(planned, values['dry-run'])}\n`);
    if (plan.problems.length > 0) throw new CliError(plan.problems.join('\n'));
    if (!values['dry-run']) await createPlannedTopics(kafka, plan);
    return 0;
  },
});

function describe({ spec, state, partitions }: PlannedTopic, dryRun: boolean | undefined): string {
  const action = state === 'exists' ? 'exists' : dryRun ? 'would create' : 'create';
  const settings = spec.configEntries.map((entry) => `${entry.name}=${entry.value}`).join(' ');
  const named = `${topology[spec.name].variable}; ${topicFlow(spec.name)}`;
  return `${action.padEnd(12)} ${spec.topic} partitions=${partitions} ${settings}  (${named})`;
}
