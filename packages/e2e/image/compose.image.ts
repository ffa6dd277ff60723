import { join } from 'node:path';
import { type DatadogIntake, eventually, startDatadogIntake, uniqueName } from '@trailstream/testkit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { dockerCommand, image, repoRoot, sampleTrailEventCount, streamed } from './docker.js';
import { type SampleTrailBucket, sampleTrailBucket } from './sample-trail.js';

const composeFile = join(repoRoot, 'docker-compose.yml');
const hostOverride = join(repoRoot, 'deploy/docker/compose.host.yml');

describe('docker compose (the v2 plugin) with the project file', () => {
  it('renders and validates docker-compose.yml as it is, and with the host override', async () => {
    const plain = await dockerCommand(['compose', '-f', composeFile, 'config', '--quiet']);
    expect(plain, plain.stderr).toMatchObject({ code: 0 });
    const overridden = await dockerCommand([
      'compose',
      '-f',
      composeFile,
      '-f',
      hostOverride,
      'config',
      '--services',
    ]);
    expect(overridden.code, overridden.stderr).toBe(0);
    // The bundled Kafka, LocalStack and intake are in a profile the override does not start.
    expect(overridden.stdout.trim().split('\n').sort()).toEqual([
      'discovery',
      'emitter',
      'fetcher-parser',
      'filter-mapper',
      'integrity',
      'topics',
    ]);
  });

  describe('up --pull never --wait against the host Kafka and S3/SQS', () => {
    const project = uniqueName('compose');
    let intake: DatadogIntake;
    let trail: SampleTrailBucket;
    let env: NodeJS.ProcessEnv;
    const compose = (...args: string[]) => [
      'compose',
      '-p',
      project,
      '-f',
      composeFile,
      '-f',
      hostOverride,
      ...args,
    ];

    beforeAll(async () => {
      const { kafkaBrokers, awsEndpoint } = inject('endpoints');
      intake = await startDatadogIntake({ host: '127.0.0.1' });
      trail = await sampleTrailBucket('compose');
      env = {
        ...process.env,
        TRAILSTREAM_IMAGE: image,
        TRAILSTREAM_PREFIX: project,
        HOST_KAFKA_BROKERS: kafkaBrokers.join(','),
        HOST_AWS_ENDPOINT_URL: awsEndpoint,
        HOST_SQS_QUEUE_URLS: trail.queueUrl,
        HOST_DD_URL: intake.url,
      };
    });

    afterAll(async () => {
      await dockerCommand(compose('down', '--remove-orphans', '--timeout', '10'), env);
      await intake?.close();
    });

    it('starts every service healthy, and the one-shot topics job completes', async () => {
      expect(
        await streamed(
          compose('up', '--pull', 'never', '--no-build', '--wait', '--wait-timeout', '120'),
          env,
        ),
      ).toBe(0);
      const { stdout } = await dockerCommand(
        compose('ps', '--all', '--format', '{{.Service}} {{.State}} {{.Health}} {{.ExitCode}}'),
        env,
      );
      const states = stdout.trim().split('\n').sort();
      expect(states).toEqual([
        'discovery running healthy 0',
        'emitter running healthy 0',
        'fetcher-parser running healthy 0',
        'filter-mapper running healthy 0',
        'integrity running healthy 0',
        'topics exited  0',
      ]);
    });

    it('delivers the sample trail: as many events as `trailstream run` prints', async () => {
      const expected = await sampleTrailEventCount();
      await trail.upload();
      await eventually(() => intake.snapshot().events.length >= expected, {
        timeoutMs: 120_000,
        what: `${expected} events at the intake (have ${intake.snapshot().events.length})`,
      }).catch(async (error: Error) => {
        const logs = await dockerCommand(compose('logs', '--tail', '20'), env);
        throw new Error(`${error.message}\n${logs.stdout}${logs.stderr}`);
      });
      await new Promise((settle) => setTimeout(settle, 3_000));
      expect(intake.snapshot().events.length).toBe(expected);
    });

    it('down stops and removes every container and network it made', async () => {
      const down = await dockerCommand(compose('down', '--remove-orphans', '--timeout', '10'), env);
      expect(down.code, down.stderr).toBe(0);
      const label = `label=com.docker.compose.project=${project}`;
      for (const kind of ['container', 'network', 'volume'] as const) {
        const listed = await dockerCommand([
          kind,
          'ls',
          ...(kind === 'container' ? ['--all'] : []),
          '--quiet',
          '--filter',
          label,
        ]);
        expect({ kind, left: listed.stdout.trim() }).toEqual({ kind, left: '' });
      }
    });
  });
});
