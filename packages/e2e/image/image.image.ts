import {
  type DatadogIntake,
  eventually,
  freePort,
  startDatadogIntake,
  uniqueName,
} from '@trailstream/testkit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Container, image, runOnce, sampleTrailEventCount, startContainer } from './docker.js';
import { type SampleTrailBucket, sampleTrailBucket } from './sample-trail.js';

const stages = ['discovery', 'fetcher-parser', 'filter-mapper', 'emitter'] as const;
type StageName = (typeof stages)[number];

describe(`the image ${image}`, () => {
  it('answers --help: its entrypoint, the CLI and each CLI command', async () => {
    const entrypoint = await runOnce(['--help']);
    expect(entrypoint).toMatchObject({ code: 0 });
    expect(entrypoint.stdout).toContain('usage: entrypoint.sh <command> [args]');
    const cli = await runOnce(['trailstream', '--help']);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain('Usage: trailstream <command>');
    const commands = [...cli.stdout.matchAll(/^ {2}([a-z]+) {2,}/gm)].map((match) => match[1]!);
    expect(commands).toEqual(expect.arrayContaining(['run', 'topics', 'dlq']));
    for (const command of commands) {
      const help = await runOnce(['trailstream', command, '--help']);
      expect(help.code, `trailstream ${command} --help`).toBe(0);
      expect(help.stdout).toContain(`trailstream ${command}`);
    }
  });

  it('stops each stage on a missing or bad setting with exit 78 and a message naming it', async () => {
    for (const stage of stages) {
      const missing = await runOnce([stage]);
      expect(missing.code, `${stage} without KAFKA_BROKERS`).toBe(78);
      expect(missing.stderr).toContain('KAFKA_BROKERS is required');
      const bad = await runOnce([stage], { KAFKA_BROKERS: '127.0.0.1:9092', HTTP_PORT: 'eighty' });
      expect(bad.code, `${stage} with HTTP_PORT=eighty`).toBe(78);
      expect(bad.stderr).toContain('HTTP_PORT="eighty" is invalid');
    }
  });

  it('refuses an unknown command with exit 64', async () => {
    expect((await runOnce(['no-such-process'])).code).toBe(64);
  });

  describe('the four stages against the real Kafka and S3/SQS, read-only, as uid 1000', () => {
    const run = uniqueName('image');
    const containers = new Map<StageName, Container>();
    const ports = new Map<StageName, number>();
    let intake: DatadogIntake;
    let trail: SampleTrailBucket;

    beforeAll(async () => {
      const { kafkaBrokers, awsEndpoint, awsRegion } = inject('endpoints');
      intake = await startDatadogIntake({ host: '127.0.0.1' });
      trail = await sampleTrailBucket('image');
      const shared = {
        KAFKA_BROKERS: kafkaBrokers.join(','),
        TOPIC_OBJECTS: `${run}.objects`,
        TOPIC_RECORDS: `${run}.records`,
        TOPIC_DATADOG: `${run}.datadog`,
        TOPIC_DLQ: `${run}.dlq`,
        TOPIC_SEEN_OBJECTS: `${run}.seen-objects`,
        POLL_CHECKPOINT_TOPIC: `${run}.checkpoints`,
        TOPIC_PARTITIONS: '3',
        KAFKA_SESSION_TIMEOUT_MS: '8000',
      };
      const aws = {
        AWS_ENDPOINT_URL: awsEndpoint,
        AWS_REGION: awsRegion,
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
      };
      const env: Record<StageName, Record<string, string>> = {
        discovery: {
          ...shared,
          ...aws,
          SQS_QUEUE_URLS: trail.queueUrl,
          SQS_WAIT_TIME_SECONDS: '1',
          S3_FORCE_PATH_STYLE: 'true',
        },
        'fetcher-parser': {
          ...shared,
          ...aws,
          KAFKA_GROUP_ID: `${run}-fetcher`,
          TRANSACTIONAL_ID_PREFIX: `${run}-fetcher`,
        },
        'filter-mapper': {
          ...shared,
          OUTPUT_MODE: 'events',
          KAFKA_GROUP_ID: `${run}-filter`,
          TRANSACTIONAL_ID_PREFIX: `${run}-filter`,
        },
        emitter: {
          ...shared,
          DD_URL: intake.url,
          DD_API_KEY: 'image-test-key-0123456789',
          KAFKA_GROUP_ID: `${run}-emitter`,
        },
      };
      for (const stage of stages) {
        const port = await freePort();
        ports.set(stage, port);
        containers.set(
          stage,
          await startContainer(`${run}-${stage}`, [stage], { ...env[stage], HTTP_PORT: String(port) }),
        );
      }
    });

    afterAll(async () => {
      await Promise.all([...containers.values()].map((container) => container.remove()));
      await intake?.close();
    });

    const get = (stage: StageName, path: string) =>
      fetch(`http://127.0.0.1:${ports.get(stage)}${path}`).then(async (response) => ({
        status: response.status,
        body: await response.text(),
      }));

    async function stageStates(): Promise<string> {
      const lines = await Promise.all(
        [...containers].map(
          async ([stage, container]) =>
            `--- ${stage}\n${(await container.logs()).split('\n').slice(-15).join('\n')}`,
        ),
      );
      return lines.join('\n');
    }

    it('each answers /healthz, /readyz and /metrics', async () => {
      for (const stage of stages) {
        await eventually(
          async () => (await get(stage, '/readyz').catch(() => ({ status: 0 }))).status === 200,
          {
            timeoutMs: 60_000,
            what: `${stage} ready\n${await stageStates()}`,
          },
        );
        expect((await get(stage, '/healthz')).status).toBe(200);
        const metrics = await get(stage, '/metrics');
        expect(metrics.status).toBe(200);
        expect(metrics.body).toContain('process_cpu_seconds_total');
      }
    });

    it('delivers the sample trail end to end: as many events as `trailstream run` prints', async () => {
      const expected = await sampleTrailEventCount();
      expect(expected).toBeGreaterThan(0);
      expect(await trail.upload()).toBeGreaterThan(0);
      await eventually(() => intake.snapshot().events.length >= expected, {
        timeoutMs: 120_000,
        what: `${expected} events at the intake (have ${intake.snapshot().events.length})`,
      }).catch(async (error: Error) => {
        throw new Error(`${error.message}\n${await stageStates()}`);
      });
      // Nothing more arrives: no duplicates on top of the expected count.
      await new Promise((settle) => setTimeout(settle, 3_000));
      expect(intake.snapshot().events.length).toBe(expected);
      expect(intake.snapshot().rejections).toEqual([]);
    });

    it('writes only JSON lines, and each stage stops on SIGTERM with exit 0 within a few seconds', async () => {
      for (const stage of stages) {
        const container = containers.get(stage)!;
        const { exitCode, stopMs } = await container.stop();
        expect({ stage, exitCode }).toEqual({ stage, exitCode: 0 });
        expect(stopMs, `${stage} stop time`).toBeLessThan(10_000);
        const lines = (await container.logs()).trim().split('\n');
        for (const line of lines) expect(() => JSON.parse(line), `${stage}: ${line}`).not.toThrow();
        expect(lines.at(-1)).toContain(`${stage} stopped`);
      }
    });
  });
});
