import { describe, expect, it } from 'vitest';
import { FaultScript, parseFaults } from './fault-script.js';

describe('FaultScript', () => {
  it('plays counted faults in order, each the number of times asked', () => {
    const script = new FaultScript();
    script.add([
      { kind: 'error', status: 500, times: 2 },
      { kind: 'drop', times: 1 },
    ]);
    expect(script.pending).toBe(3);
    expect(script.take('events')).toMatchObject({ kind: 'error' });
    expect(script.take('logs')).toMatchObject({ kind: 'error' });
    expect(script.take('events')).toMatchObject({ kind: 'drop' });
    expect(script.take('events')).toBeNull();
  });

  it('plays a fault only on its endpoint', () => {
    const script = new FaultScript();
    script.add([{ kind: 'rate-limit', times: 1, resetSeconds: 2, endpoint: 'logs' }]);
    expect(script.take('events')).toBeNull();
    expect(script.take('logs')).toMatchObject({ kind: 'rate-limit', resetSeconds: 2 });
  });

  it('rejects a poisoned payload every time until cleared', () => {
    const script = new FaultScript();
    script.add([{ kind: 'reject-containing', text: 'POISON', endpoint: 'logs' }]);
    expect(script.poisonIn('logs', '[{"message":"POISON"}]')).toBe('POISON');
    expect(script.poisonIn('logs', '[{"message":"POISON"}]')).toBe('POISON');
    expect(script.poisonIn('events', 'POISON')).toBeNull();
    script.clear();
    expect(script.poisonIn('logs', 'POISON')).toBeNull();
  });
});

describe('parseFaults', () => {
  it('reads every kind of fault', () => {
    const faults = [
      { kind: 'rate-limit', times: 3, resetSeconds: 1 },
      { kind: 'error', times: 1, status: 503, endpoint: 'events' },
      { kind: 'slow', times: 1, delayMs: 500 },
      { kind: 'drop', times: 2 },
      { kind: 'reject-containing', text: 'bad' },
    ];
    expect(parseFaults({ faults })).toEqual(faults);
  });

  it.each([
    [null, 'expected {"faults": [...]}'],
    [{ faults: [{ kind: 'explode', times: 1 }] }, 'faults[0].kind must be'],
    [{ faults: [{ kind: 'drop', times: -1 }] }, 'faults[0].times must be a non-negative integer'],
    [{ faults: [{ kind: 'error', times: 1, status: 200 }] }, 'faults[0].status must be 3xx, 4xx or 5xx'],
    [{ faults: [{ kind: 'drop', times: 1, endpoint: 'metrics' }] }, 'faults[0].endpoint must be'],
  ])('names what is wrong in %j', (body, message) => {
    expect(() => parseFaults(body)).toThrow(message);
  });
});
