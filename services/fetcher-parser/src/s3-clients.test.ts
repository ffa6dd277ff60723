import {
  noSourceRoles,
  ObjectUnavailableError,
  parseSourceRoles,
  SourceCredentials,
} from '@trailstream/trail-bucket';
import { describe, expect, it } from 'vitest';
import { s3ClientsAtMost, s3ClientsByRegion } from './s3-clients.js';

const settings = { defaultRegion: 'us-east-1', forcePathStyle: false, timeoutMs: 1_000 };
const ownCredentials = new SourceCredentials(noSourceRoles);

describe('s3ClientsByRegion', () => {
  it.each(['us-east-1', 'eu-west-3', 'us-gov-west-1', 'us-isob-east-1', 'cn-northwest-1', 'ap-southeast-5'])(
    'gives one client per well-formed region: %s',
    async (region) => {
      const clientFor = s3ClientsByRegion(settings, ownCredentials);
      const client = clientFor(region, 'trail');
      expect(clientFor(region, 'trail')).toBe(client);
      expect(await client.config.region()).toBe(region);
    },
  );

  it('uses the default region for a reference that names none', async () => {
    expect(await s3ClientsByRegion(settings, ownCredentials)('', 'trail').config.region()).toBe('us-east-1');
  });

  it.each([
    'local',
    'US-EAST-1',
    'us-east-1.evil.example',
    `us-east-${'1'.repeat(5000)}`,
    '../../x',
    'eu west 1',
  ])('refuses %j as what dead-letters the reference, not a new client', (region) => {
    let failure: unknown;
    try {
      s3ClientsByRegion(settings, ownCredentials)(region, 'trail');
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(ObjectUnavailableError);
    expect((failure as ObjectUnavailableError).failure.reasonClass).toBe('bad-object-ref');
    expect((failure as Error).message).toMatch(/is not an AWS region name/);
    expect((failure as Error).message.length).toBeLessThan(200);
  });

  it('keeps at most s3ClientsAtMost clients, dropping the least recently used', () => {
    const clientFor = s3ClientsByRegion(settings, ownCredentials);
    const first = clientFor('aa-first-1', 'trail');
    const kept = clientFor('aa-kept-1', 'trail');
    for (let index = 0; index < s3ClientsAtMost * 3; index++) {
      clientFor(`zz-fake-${index % 99}`, 'trail');
      if (index % 10 === 0) clientFor('aa-kept-1', 'trail');
    }
    expect(clientFor('aa-kept-1', 'trail')).toBe(kept);
    expect(clientFor('aa-first-1', 'trail')).not.toBe(first);
  });

  it('gives a bucket whose source names a role its own client with the assumed credentials, one per role', async () => {
    const roleArn = 'arn:aws:iam::444455556666:role/trailstream-reader';
    const credentials = new SourceCredentials(
      parseSourceRoles(
        JSON.stringify([
          { bucket: 'archive-a', roleArn },
          { bucket: 'archive-b', roleArn },
        ]),
        { stsRegion: 'us-east-1', sessionName: 'trailstream-fetcher-parser' },
      ),
    );
    const clientFor = s3ClientsByRegion(settings, credentials);
    const own = clientFor('us-east-1', 'own-trail');
    const archive = clientFor('us-east-1', 'archive-a');
    expect(archive).not.toBe(own);
    expect(clientFor('us-east-1', 'archive-b')).toBe(archive);
    expect(clientFor('eu-west-1', 'archive-a')).not.toBe(archive);
    expect(clientFor('us-east-1', 'another-own')).toBe(own);
    expect(archive.config.credentials).not.toBe(own.config.credentials);
    credentials.destroy();
  });
});
