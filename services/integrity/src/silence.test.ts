import { describe, expect, it } from 'vitest';
import { type ChainState, chainStateMessage, parseChainState } from './chain-state.js';
import { silenceTransitions } from './silence.js';

const HOUR = 3_600_000;
const state = (overrides: Partial<ChainState> = {}): ChainState => ({
  id: 'AWSLogs/111122223333/eu-west-1/trail@eu-west-1',
  area: 'AWSLogs/111122223333/eu-west-1',
  accountId: '111122223333',
  region: 'eu-west-1',
  trailName: 'trail',
  link: { bucket: 'b', key: 'k', signature: 'ab', sha256: 'cd', endTime: 0 },
  lastDigestAt: 0,
  silent: false,
  recentFindings: [],
  ...overrides,
});

describe('silenceTransitions', () => {
  it('turns a stream with neither digest nor log file for the window silent, once', () => {
    const quiet = state();
    expect(silenceTransitions([quiet], () => null, 2 * HOUR + 1, 2 * HOUR)).toEqual([
      { state: quiet, kind: 'silent', lastActivity: 0 },
    ]);
    expect(silenceTransitions([{ ...quiet, silent: true }], () => null, 3 * HOUR, 2 * HOUR)).toEqual([]);
  });

  it('keeps a stream whose log folder still gets files alive, though its digests stopped', () => {
    expect(silenceTransitions([state()], () => 2 * HOUR, 3 * HOUR, 2 * HOUR)).toEqual([]);
  });

  it('recovers a silent stream when a digest or log file arrives', () => {
    const silent = state({ silent: true, link: { ...state().link, endTime: 5 * HOUR } });
    expect(silenceTransitions([silent], () => null, 5 * HOUR + 1, 2 * HOUR)).toEqual([
      { state: silent, kind: 'recovered', lastActivity: 5 * HOUR },
    ]);
  });
});

describe('chain state entries', () => {
  it('read back what was written, and nothing foreign', () => {
    const message = chainStateMessage(state(), 3);
    expect(message).toMatchObject({ key: state().id, partition: 3 });
    expect(parseChainState(Buffer.from(message.value as string))).toEqual(state());
    expect(parseChainState(null)).toBeNull();
    expect(parseChainState(Buffer.from('{"id":"x"}'))).toBeNull();
    expect(parseChainState(Buffer.from('not json'))).toBeNull();
  });
});
