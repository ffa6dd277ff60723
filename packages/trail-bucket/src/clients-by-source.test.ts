import { describe, expect, it } from 'vitest';
import { type AssumedCredentialsProvider, clientsBySource } from './source-credentials.js';

const roleA: AssumedCredentialsProvider = async () => ({
  accessKeyId: 'A',
  secretAccessKey: 's',
  sessionToken: 't',
  expiration: new Date(),
});

describe('clientsBySource', () => {
  it('gives a source with a role its own client, once, and every other source the shared one', () => {
    const made: string[] = [];
    const clients = clientsBySource(
      'shared',
      (source) => (source.startsWith('archive') ? roleA : undefined),
      () => {
        made.push('assumed');
        return `assumed-${made.length}`;
      },
    );
    expect(clients.for('own-bucket')).toBe('shared');
    expect(clients.for('archive-1')).toBe('assumed-1');
    expect(clients.for('archive-1')).toBe('assumed-1');
    expect(clients.for('archive-2')).toBe('assumed-2');
    expect(clients.all()).toEqual(['shared', 'assumed-1', 'assumed-2']);
  });
});
