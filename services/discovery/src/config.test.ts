import { ConfigError, loadConfig } from '@trailstream/runtime';
import { describe, expect, it } from 'vitest';
import { discoveryEnv, resolveDiscoverySettings } from './config.js';

const base = { KAFKA_BROKERS: '127.0.0.1:9092' };

describe('discovery settings', () => {
  it('needs something to discover from', () => {
    expect(() => resolveDiscoverySettings(loadConfig(discoveryEnv, base))).toThrow(ConfigError);
  });

  it('reads poll sources, the start date and the filter lists', () => {
    const settings = resolveDiscoverySettings(
      loadConfig(discoveryEnv, {
        ...base,
        POLL_SOURCES: 'trail-bucket, other-bucket/AWSLogs/o-abcdefghij/',
        POLL_START_DATE: '2024-02-29',
        POLL_LATENESS_MINUTES: '45',
        ACCOUNTS_DENY: '111122223333',
      }),
    );
    expect(settings.pollSources).toHaveLength(2);
    expect(settings.window).toEqual({ latenessMs: 45 * 60_000, startAt: Date.parse('2024-02-29T00:00:00Z') });
    expect(settings.rules.accountsDeny).toEqual(new Set(['111122223333']));
  });

  it('names every bad variable', () => {
    const config = loadConfig(discoveryEnv, {
      ...base,
      POLL_SOURCES: 'b/logs/',
      POLL_START_DATE: '2023-02-29',
    });
    expect(() => resolveDiscoverySettings(config)).toThrow(
      /POLL_SOURCES entry "b\/logs\/"[\s\S]*POLL_START_DATE/,
    );
  });

  it('reads SOURCE_ROLES, defaulting the session name and STS region, and reports its problems with the rest', () => {
    const roleArn = 'arn:aws:iam::444455556666:role/trailstream-reader';
    const settings = resolveDiscoverySettings(
      loadConfig(discoveryEnv, {
        ...base,
        AWS_REGION: 'eu-west-1',
        POLL_SOURCES: 'log-archive',
        SOURCE_ROLES: JSON.stringify([{ bucket: 'log-archive', roleArn }]),
      }),
    );
    expect(settings.sourceRoles.forBucket('log-archive')).toEqual({
      roleArn,
      externalId: null,
      sessionName: 'trailstream-discovery',
      stsRegion: 'eu-west-1',
      durationSeconds: 3600,
    });
    const config = loadConfig(discoveryEnv, {
      ...base,
      POLL_SOURCES: 'b/logs/',
      SOURCE_ROLES: '[{"bucket":"log-archive"}]',
    });
    expect(() => resolveDiscoverySettings(config)).toThrow(
      /POLL_SOURCES entry[\s\S]*SOURCE_ROLES\[0\]: roleArn/,
    );
  });
});
