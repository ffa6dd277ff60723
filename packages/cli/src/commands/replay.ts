import { S3Client } from '@aws-sdk/client-s3';
import {
  everyAccountAndRegion,
  parseTrailSource,
  type UtcDay,
  utcDaysBetween,
} from '@trailstream/cloudtrail';
import { bypassingDedupe, objectRefMessage } from '@trailstream/schemas';
import { replayRange } from '@trailstream/trail-bucket';
import { Partitioners } from 'kafkajs';
import { CliError } from '../cli-error.js';
import { defineCommand, parseDay } from '../command.js';
import { connectKafka, requireTopic } from '../kafka-connection.js';
import { Progress } from '../progress.js';
import { readReplayPosition, writeReplayPosition } from '../replay-position.js';

const formatDay = (d: UtcDay) =>
  `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;

export const replayCommand = defineCommand({
  name: 'replay',
  summary: 'enqueue a bucket/prefix/date range onto the objects topic for the running pipeline (backfill)',
  usage:
    'trailstream replay --source bucket[/prefix/AWSLogs/] --since YYYY-MM-DD --until YYYY-MM-DD [--force]',
  optionHelp: [
    [
      '--source <bucket[/prefix]>',
      'the trail: a bucket, or bucket/prefix ending in AWSLogs/ or AWSLogs/<o-id>/',
    ],
    ['--since <date>', 'first day, YYYY-MM-DD (UTC)'],
    ['--until <date>', 'last day, YYYY-MM-DD (UTC)'],
    ['--region <region>', "the bucket's region (default: $AWS_REGION or us-east-1)"],
    ['--include-insights', 'also enqueue CloudTrail Insights files'],
    [
      '--force',
      'mark the references to bypass the duplicate check: files already delivered are sent again (a backfill)',
    ],
    [
      '--position-file <f>',
      'where progress is kept, so an interrupted replay resumes (default: trailstream-replay.json)',
    ],
    ['--brokers <list>', 'Kafka bootstrap servers (default: $KAFKA_BROKERS)'],
  ],
  options: {
    source: { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    region: { type: 'string' },
    'include-insights': { type: 'boolean' },
    force: { type: 'boolean' },
    'position-file': { type: 'string' },
    brokers: { type: 'string' },
  },
  async run({ values }) {
    if (!values.source) throw new CliError('--source is required');
    const source = parseTrailSource(values.source);
    if (typeof source === 'string') throw new CliError(`--source: ${source}`);
    const since = parseDay('--since', values.since);
    const until = parseDay('--until', values.until);
    const days = utcDaysBetween(since, until);
    if (days.length === 0) throw new CliError('--since is after --until');
    const region = values.region ?? process.env.AWS_REGION ?? 'us-east-1';
    const positionFile = values['position-file'] ?? 'trailstream-replay.json';

    const force = values.force ?? false;
    const request = { source: values.source, since: formatDay(since), until: formatDay(until), force };
    const previous = await readReplayPosition(positionFile);
    const resuming =
      previous &&
      previous.source === request.source &&
      previous.since === request.since &&
      previous.until === request.until &&
      previous.force === request.force
        ? previous
        : undefined;
    if (previous && !resuming) {
      throw new CliError(
        `${positionFile} belongs to another replay (${previous.source} ${previous.since}..${previous.until}${previous.force ? ' --force' : ''}); pass another --position-file or delete it`,
      );
    }
    const todo = resuming?.doneThrough ? days.filter((d) => formatDay(d) > resuming.doneThrough!) : days;
    let references = resuming?.references ?? 0;
    if (resuming)
      process.stderr.write(
        `resuming after ${resuming.doneThrough ?? 'the start'} (${references} references so far)\n`,
      );

    const { kafka, topics } = connectKafka(values.brokers);
    await requireTopic(kafka, topics.TOPIC_OBJECTS);
    const s3 = new S3Client({ region, forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL) });
    const producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const progress = new Progress('days', days.length);
    progress.advance(days.length - todo.length);
    try {
      for (const day of todo) {
        const listing = replayRange(s3, {
          source,
          region,
          from: day,
          to: day,
          rules: everyAccountAndRegion({ includeInsights: values['include-insights'] ?? false }),
        });
        for await (const refs of listing) {
          await producer.send({
            topic: topics.TOPIC_OBJECTS,
            acks: -1,
            messages: refs.map((ref) =>
              force ? bypassingDedupe(objectRefMessage(ref)) : objectRefMessage(ref),
            ),
          });
        }
        const { summary } = listing;
        references += summary.references;
        // Only after Kafka acknowledged the day's references does the position move past it.
        await writeReplayPosition(positionFile, { ...request, doneThrough: formatDay(day), references });
        progress.advance(
          1,
          `${formatDay(day)}: ${summary.references} files across ${summary.streams} account/region streams`,
        );
      }
    } finally {
      await producer.disconnect();
    }
    progress.finish(
      `${references} references enqueued on ${topics.TOPIC_OBJECTS}${force ? ', marked to bypass the duplicate check' : ''}`,
    );
    return 0;
  },
});
