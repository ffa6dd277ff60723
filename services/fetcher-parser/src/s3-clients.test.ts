import { ObjectUnavailableError } from '@trailstream/trail-bucket';
import { describe, expect, it } from 'vitest';
import { s3ClientsAtMost, s3ClientsByRegion } from './s3-clients.js';

const settings = { defaultRegion: 'us-east-1', forcePathStyle: false, timeoutMs: 1_000 };

describe('s3ClientsByRegion', () => {
  it.each(['us-east-1', 'eu-west-3', 'us-gov-west-1', 'us-isob-east-1', 'cn-northwest-1', 'ap-southeast-5'])(
    'gives one client per well-formed region: %s',
    async (region) => {
      const clientFor = s3ClientsByRegion(settings);
      const client = clientFor(region);
      expect(clientFor(region)).toBe(client);
      expect(await client.config.region()).toBe(region);
    },
  );

  it('uses the default region for a reference that names none', async () => {
    expect(await s3ClientsByRegion(settings)('').config.region()).toBe('us-east-1');
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
      s3ClientsByRegion(settings)(region);
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(ObjectUnavailableError);
    expect((failure as ObjectUnavailableError).failure.reasonClass).toBe('bad-object-ref');
    expect((failure as Error).message).toMatch(/is not an AWS region name/);
    expect((failure as Error).message.length).toBeLessThan(200);
  });

  it('keeps at most s3ClientsAtMost clients, dropping the least recently used', () => {
    const clientFor = s3ClientsByRegion(settings);
    const first = clientFor('aa-first-1');
    const kept = clientFor('aa-kept-1');
    for (let index = 0; index < s3ClientsAtMost * 3; index++) {
      clientFor(`zz-fake-${index % 99}`);
      if (index % 10 === 0) clientFor('aa-kept-1');
    }
    expect(clientFor('aa-kept-1')).toBe(kept);
    expect(clientFor('aa-first-1')).not.toBe(first);
  });
});
