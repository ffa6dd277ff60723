import type { Stage } from '@trailstream/schemas';
import { type Config, env } from './config.js';

/**
 * The variables that name and shape every topic. Every stage and `trailstream topics` read all of them,
 * so the topics a stage creates and the ones the CLI prints are the same list.
 */
export const topicsEnv = {
  TOPIC_OBJECTS: env.string('trailstream.objects'),
  TOPIC_RECORDS: env.string('trailstream.records'),
  TOPIC_DATADOG: env.string('trailstream.datadog'),
  TOPIC_DLQ: env.string('trailstream.dlq'),
  TOPIC_SEEN_OBJECTS: env.string('trailstream.fetcher-parser.seen-objects'),
  POLL_CHECKPOINT_TOPIC: env.string('trailstream.discovery-checkpoints'),
  TOPIC_DIGESTS: env.string('trailstream.digests'),
  TOPIC_LOG_FILE_HASHES: env.string('trailstream.log-file-hashes'),
  TOPIC_INTEGRITY_CHAINS: env.string('trailstream.integrity.chains'),
  TOPIC_AUDIT: env.string('trailstream.audit'),
  /** Each stage creates the topics it reads and writes when they are missing; off where an operator manages them. */
  CREATE_TOPICS: env.boolean(true),
  /** Partitions of the objects, records and datadog topics when created: the most replicas a stage can use. */
  TOPIC_PARTITIONS: env.integer(12, { min: 1, max: 10_000 }),
  /** Partitions of the checkpoint topic when created: the most discovery replicas that share poll work. */
  POLL_CHECKPOINT_PARTITIONS: env.integer(12, { min: 1, max: 1000 }),
  /** How long fetcher-parser remembers a processed object; also the changelog's delete retention. */
  DUPLICATE_RETENTION_HOURS: env.integer(7 * 24, { min: 1, max: 24 * 365 }),
  /** How long reconciliation counts are kept per hour (`trailstream audit`); also the audit topic's retention. */
  AUDIT_RETENTION_HOURS: env.integer(7 * 24, { min: 1, max: 24 * 365 }),
};

export type TopicsConfig = Config<typeof topicsEnv>;

export type TopicName =
  | 'objects'
  | 'records'
  | 'datadog'
  | 'dlq'
  | 'seenObjects'
  | 'pollCheckpoints'
  | 'digests'
  | 'logFileHashes'
  | 'integrityChains'
  | 'audit';

export interface TopicSetting {
  name: string;
  value: string;
}

export interface TopicDefinition {
  /** The variable that names the topic. */
  variable:
    | 'TOPIC_OBJECTS'
    | 'TOPIC_RECORDS'
    | 'TOPIC_DATADOG'
    | 'TOPIC_DLQ'
    | 'TOPIC_SEEN_OBJECTS'
    | 'POLL_CHECKPOINT_TOPIC'
    | 'TOPIC_DIGESTS'
    | 'TOPIC_LOG_FILE_HASHES'
    | 'TOPIC_INTEGRITY_CHAINS'
    | 'TOPIC_AUDIT';
  /** pipeline: the hand-off between stages; state: one stage's own memory. */
  kind: 'pipeline' | 'state';
  /** The stages that produce to it; a state topic's owner is its only writer. */
  writers: readonly Stage[];
  readers: readonly Stage[];
  purpose: string;
  /** A number, or the topic whose partition count it must share (entry N belongs to its partition N). */
  partitions(config: TopicsConfig): number | { sameAs: TopicName };
  settings(config: TopicsConfig): TopicSetting[];
}

const DAY_MS = 24 * 3_600_000;
const retention = (ms: number): TopicSetting[] => [{ name: 'retention.ms', value: String(ms) }];
const compacted: TopicSetting[] = [
  { name: 'cleanup.policy', value: 'compact' },
  { name: 'min.cleanable.dirty.ratio', value: '0.1' },
];
const everyStage: readonly Stage[] = ['discovery', 'fetcher-parser', 'filter-mapper', 'emitter', 'integrity'];

/** Every topic of the pipeline, in the order they are created (a co-partitioned topic after its partner). */
export const topology: Readonly<Record<TopicName, TopicDefinition>> = {
  objects: {
    variable: 'TOPIC_OBJECTS',
    kind: 'pipeline',
    writers: ['discovery'],
    readers: ['fetcher-parser'],
    purpose: 'object references (s3://bucket/key)',
    partitions: (config) => config.TOPIC_PARTITIONS,
    settings: () => retention(7 * DAY_MS),
  },
  records: {
    variable: 'TOPIC_RECORDS',
    kind: 'pipeline',
    writers: ['fetcher-parser'],
    readers: ['filter-mapper'],
    purpose: 'one CloudTrail record per message',
    partitions: (config) => config.TOPIC_PARTITIONS,
    settings: () => retention(7 * DAY_MS),
  },
  datadog: {
    variable: 'TOPIC_DATADOG',
    kind: 'pipeline',
    writers: ['filter-mapper', 'integrity'],
    readers: ['emitter'],
    purpose: 'Datadog events and log entries',
    partitions: (config) => config.TOPIC_PARTITIONS,
    settings: () => retention(7 * DAY_MS),
  },
  dlq: {
    variable: 'TOPIC_DLQ',
    kind: 'pipeline',
    writers: everyStage,
    readers: [],
    // Dead letters wait for a person (`trailstream dlq`); keep them a month.
    purpose: 'dead letters with their reasons',
    partitions: () => 1,
    settings: () => retention(30 * DAY_MS),
  },
  seenObjects: {
    variable: 'TOPIC_SEEN_OBJECTS',
    kind: 'state',
    writers: ['fetcher-parser'],
    readers: ['fetcher-parser'],
    purpose: 'objects already processed, per objects partition (duplicate detection)',
    partitions: () => ({ sameAs: 'objects' }),
    // Compacted (one entry per object), and entries older than the duplicate retention deleted on time.
    settings: (config) => [
      { name: 'min.cleanable.dirty.ratio', value: '0.1' },
      { name: 'cleanup.policy', value: 'compact,delete' },
      { name: 'retention.ms', value: String(config.DUPLICATE_RETENTION_HOURS * 3_600_000) },
      { name: 'segment.ms', value: String(3_600_000) },
    ],
  },
  pollCheckpoints: {
    variable: 'POLL_CHECKPOINT_TOPIC',
    kind: 'state',
    writers: ['discovery'],
    readers: ['discovery'],
    purpose: 'listing checkpoints per stream; its partitions shard poll work across replicas',
    partitions: (config) => config.POLL_CHECKPOINT_PARTITIONS,
    settings: () => compacted,
  },
  digests: {
    variable: 'TOPIC_DIGESTS',
    kind: 'pipeline',
    writers: ['discovery'],
    readers: ['integrity'],
    purpose: 'digest object references, keyed by account × region folder (one chain on one partition)',
    partitions: (config) => config.TOPIC_PARTITIONS,
    settings: () => retention(7 * DAY_MS),
  },
  logFileHashes: {
    variable: 'TOPIC_LOG_FILE_HASHES',
    kind: 'pipeline',
    writers: ['fetcher-parser'],
    readers: ['integrity'],
    purpose: 'SHA-256 of each log file as fetcher-parser streamed it, keyed by s3://bucket/key',
    partitions: (config) => config.TOPIC_PARTITIONS,
    // One hash per object; a digest lists files of the hour before, so a week is ample.
    settings: () => [
      { name: 'cleanup.policy', value: 'compact,delete' },
      { name: 'min.cleanable.dirty.ratio', value: '0.1' },
      { name: 'retention.ms', value: String(7 * DAY_MS) },
    ],
  },
  integrityChains: {
    variable: 'TOPIC_INTEGRITY_CHAINS',
    kind: 'state',
    writers: ['integrity'],
    readers: ['integrity'],
    purpose: 'the last digest and liveness of each digest chain, per digests partition',
    partitions: () => ({ sameAs: 'digests' }),
    settings: () => compacted,
  },
  audit: {
    variable: 'TOPIC_AUDIT',
    kind: 'state',
    writers: ['fetcher-parser', 'filter-mapper', 'emitter'],
    readers: ['fetcher-parser', 'filter-mapper', 'emitter'],
    purpose: 'reconciliation counts per stage, input partition, stream and hour (trailstream audit)',
    partitions: (config) => config.TOPIC_PARTITIONS,
    // One entry per stage × input partition × stream × hour, replaced as it grows; old hours deleted on time.
    settings: (config) => [
      { name: 'cleanup.policy', value: 'compact,delete' },
      { name: 'min.cleanable.dirty.ratio', value: '0.1' },
      { name: 'retention.ms', value: String(config.AUDIT_RETENTION_HOURS * 3_600_000) },
      { name: 'segment.ms', value: String(3_600_000) },
    ],
  },
};

/** A topic as it is created: its name from the settings, partitions, and broker-side settings. */
export interface TopicSpec {
  name: TopicName;
  topic: string;
  numPartitions: number;
  /** Set when the topic must have as many partitions as this one (by its Kafka name). */
  coPartitionedWith?: string;
  configEntries: TopicSetting[];
}

/** The specs of the given topics (all by default), names and numbers taken from the settings. */
export function topicSpecs(
  config: TopicsConfig,
  names: readonly TopicName[] = Object.keys(topology) as TopicName[],
): TopicSpec[] {
  return names.map((name): TopicSpec => {
    const definition = topology[name];
    const partitions = definition.partitions(config);
    const spec: TopicSpec = {
      name,
      topic: config[definition.variable],
      numPartitions: typeof partitions === 'number' ? partitions : 0,
      configEntries: definition.settings(config),
    };
    if (typeof partitions !== 'number') {
      const partner = topology[partitions.sameAs];
      const partnerPartitions = partner.partitions(config);
      spec.coPartitionedWith = config[partner.variable];
      spec.numPartitions = typeof partnerPartitions === 'number' ? partnerPartitions : 0;
    }
    return spec;
  });
}

/** Who uses a topic, in a few words: `discovery → fetcher-parser`, `state of fetcher-parser`. */
export function topicFlow(name: TopicName): string {
  const { kind, writers, readers } = topology[name];
  if (kind === 'state') return `state of ${writers.join(', ')}`;
  const from = writers.length === everyStage.length ? 'every stage' : writers.join(', ');
  return `${from} → ${readers.length > 0 ? readers.join(', ') : 'operators (trailstream dlq)'}`;
}

/** The topics a stage reads or writes: those it ensures at start. */
export function stageTopicNames(stage: Stage): TopicName[] {
  return (Object.keys(topology) as TopicName[]).filter(
    (name) => topology[name].writers.includes(stage) || topology[name].readers.includes(stage),
  );
}

/** The Kafka name of the topic a stage consumes. */
export function inputTopicOf(stage: Stage, config: TopicsConfig): string {
  const name = (Object.keys(topology) as TopicName[]).find(
    (candidate) => topology[candidate].kind === 'pipeline' && topology[candidate].readers.includes(stage),
  );
  if (!name) throw new Error(`${stage} reads no pipeline topic`);
  return config[topology[name].variable];
}

export interface PlannedTopic {
  spec: TopicSpec;
  state: 'exists' | 'create';
  /** What it has, or what it will be created with. */
  partitions: number;
}

export interface TopicPlan {
  topics: PlannedTopic[];
  /** Reasons the topics cannot be used as they are (a changelog with fewer partitions than its input). */
  problems: string[];
}

/**
 * What creating the specs means given the topics that exist (name → partitions). A co-partitioned
 * topic is created with the partitions its partner has (or will have), and must not have fewer.
 */
export function planTopics(specs: readonly TopicSpec[], existing: ReadonlyMap<string, number>): TopicPlan {
  const partitionsOf = new Map(existing);
  const topics: PlannedTopic[] = [];
  for (const spec of specs) {
    const present = existing.get(spec.topic);
    if (present !== undefined) {
      topics.push({ spec, state: 'exists', partitions: present });
      continue;
    }
    const partner = spec.coPartitionedWith ? partitionsOf.get(spec.coPartitionedWith) : undefined;
    const partitions = partner ?? spec.numPartitions;
    partitionsOf.set(spec.topic, partitions);
    topics.push({ spec, state: 'create', partitions });
  }
  const problems: string[] = [];
  for (const { spec, partitions } of topics) {
    const partner = spec.coPartitionedWith ? partitionsOf.get(spec.coPartitionedWith) : undefined;
    if (partner !== undefined && partitions < partner) {
      problems.push(
        `${spec.topic} has ${partitions} partitions but ${spec.coPartitionedWith} has ${partner}: add partitions to ${spec.topic}`,
      );
    }
  }
  return { topics, problems };
}
