import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { inputTopicOf, planTopics, stageTopicNames, topicFlow, topicSpecs, topicsEnv } from './topology.js';

const config = loadConfig(topicsEnv, { TOPIC_PARTITIONS: '6', DUPLICATE_RETENTION_HOURS: '2' });

describe('topicSpecs', () => {
  it('names every topic from its variable, with its partitions and settings', () => {
    const specs = Object.fromEntries(topicSpecs(config).map((spec) => [spec.name, spec]));
    expect(Object.keys(specs)).toEqual([
      'objects',
      'records',
      'datadog',
      'dlq',
      'seenObjects',
      'pollCheckpoints',
      'digests',
      'logFileHashes',
      'integrityChains',
      'audit',
    ]);
    expect(specs.audit).toMatchObject({ topic: 'trailstream.audit', numPartitions: 6 });
    expect(specs.audit!.configEntries).toContainEqual({
      name: 'retention.ms',
      value: String(7 * 24 * 3_600_000),
    });
    expect(specs.integrityChains).toMatchObject({
      coPartitionedWith: 'trailstream.digests',
      numPartitions: 6,
    });
    expect(specs.logFileHashes!.configEntries).toContainEqual({
      name: 'cleanup.policy',
      value: 'compact,delete',
    });
    expect(specs.objects).toMatchObject({ topic: 'trailstream.objects', numPartitions: 6 });
    expect(specs.dlq).toMatchObject({
      numPartitions: 1,
      configEntries: [{ name: 'retention.ms', value: String(30 * 24 * 3_600_000) }],
    });
    expect(specs.seenObjects).toMatchObject({
      topic: 'trailstream.fetcher-parser.seen-objects',
      numPartitions: 6,
      coPartitionedWith: 'trailstream.objects',
    });
    expect(specs.seenObjects!.configEntries).toContainEqual({
      name: 'cleanup.policy',
      value: 'compact,delete',
    });
    expect(specs.seenObjects!.configEntries).toContainEqual({
      name: 'retention.ms',
      value: String(7_200_000),
    });
    expect(specs.pollCheckpoints).toMatchObject({
      topic: 'trailstream.discovery-checkpoints',
      numPartitions: 12,
    });
    expect(specs.pollCheckpoints!.configEntries[0]).toEqual({ name: 'cleanup.policy', value: 'compact' });
  });
});

describe('the topics of a stage', () => {
  it('are those it reads or writes, the dead-letter topic included', () => {
    expect(stageTopicNames('discovery')).toEqual(['objects', 'dlq', 'pollCheckpoints', 'digests']);
    expect(stageTopicNames('fetcher-parser')).toEqual([
      'objects',
      'records',
      'dlq',
      'seenObjects',
      'logFileHashes',
      'audit',
    ]);
    expect(stageTopicNames('filter-mapper')).toEqual(['records', 'datadog', 'dlq', 'audit']);
    expect(stageTopicNames('emitter')).toEqual(['datadog', 'dlq', 'audit']);
    expect(stageTopicNames('integrity')).toEqual([
      'datadog',
      'dlq',
      'digests',
      'logFileHashes',
      'integrityChains',
    ]);
  });

  it('are described by who writes and reads them', () => {
    expect(topicFlow('objects')).toBe('discovery → fetcher-parser');
    expect(topicFlow('dlq')).toBe('every stage → operators (trailstream dlq)');
    expect(topicFlow('seenObjects')).toBe('state of fetcher-parser');
    expect(topicFlow('audit')).toBe('state of fetcher-parser, filter-mapper, emitter');
  });

  it('include one input topic for each consuming stage', () => {
    expect(inputTopicOf('fetcher-parser', config)).toBe('trailstream.objects');
    expect(inputTopicOf('filter-mapper', config)).toBe('trailstream.records');
    expect(inputTopicOf('integrity', config)).toBe('trailstream.digests');
    expect(inputTopicOf('emitter', config)).toBe('trailstream.datadog');
    expect(() => inputTopicOf('discovery', config)).toThrow('discovery reads no pipeline topic');
  });
});

describe('planTopics', () => {
  const specs = topicSpecs(config, ['objects', 'seenObjects']);

  it('creates what is missing, a co-partitioned topic with the partitions its partner has', () => {
    const plan = planTopics(specs, new Map([['trailstream.objects', 3]]));
    expect(plan.topics.map(({ spec, state, partitions }) => [spec.name, state, partitions])).toEqual([
      ['objects', 'exists', 3],
      ['seenObjects', 'create', 3],
    ]);
    expect(plan.problems).toEqual([]);
  });

  it('creates both with the configured partitions when neither exists', () => {
    const plan = planTopics(specs, new Map());
    expect(plan.topics.map(({ partitions }) => partitions)).toEqual([6, 6]);
  });

  it('refuses a changelog with fewer partitions than its input', () => {
    const plan = planTopics(
      specs,
      new Map([
        ['trailstream.objects', 8],
        ['trailstream.fetcher-parser.seen-objects', 4],
      ]),
    );
    expect(plan.problems).toEqual([
      'trailstream.fetcher-parser.seen-objects has 4 partitions but trailstream.objects has 8: add partitions to trailstream.fetcher-parser.seen-objects',
    ]);
  });
});
