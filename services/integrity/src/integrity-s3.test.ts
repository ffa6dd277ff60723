import { noSourceRoles, parseSourceRoles, SourceCredentials } from '@trailstream/trail-bucket';
import { describe, expect, it } from 'vitest';
import { integrityS3Clients } from './integrity-s3.js';

const settings = { region: 'us-east-1', forcePathStyle: false };

describe('integrityS3Clients', () => {
  it('reads a bucket SOURCE_ROLES names through its own client with the assumed credentials, the rest through one', () => {
    const roleArn = 'arn:aws:iam::444455556666:role/trailstream-reader';
    const roles = parseSourceRoles(JSON.stringify([{ bucket: 'log-archive', roleArn }]), {
      stsRegion: 'us-east-1',
      sessionName: 'trailstream-integrity',
    });
    const clients = integrityS3Clients(settings, new SourceCredentials(roles));
    const own = clients.forBucket('own-trail');
    const archive = clients.forBucket('log-archive');
    expect(clients.forBucket('another')).toBe(own);
    expect(clients.forBucket('log-archive')).toBe(archive);
    expect(archive).not.toBe(own);
    expect(archive.config.credentials).not.toBe(own.config.credentials);
    clients.destroy();
  });

  it('without SOURCE_ROLES, one client', () => {
    const clients = integrityS3Clients(settings, new SourceCredentials(noSourceRoles));
    expect(clients.forBucket('a')).toBe(clients.forBucket('b'));
    clients.destroy();
  });
});
