import { describe, expect, it } from 'vitest';
import { backoffDelay, backoffPolicies } from './backoff.js';
import { isRetriable, RetriableError, retry } from './retry.js';
import { sleep } from './sleep.js';

const instant = { initialMs: 1, maxMs: 1, factor: 1 };

describe('backoffDelay', () => {
  it('grows by the factor and stays under the cap, with full jitter', () => {
    const policy = { initialMs: 100, maxMs: 1_000, factor: 2 };
    expect(backoffDelay(0, policy, () => 0.999)).toBe(99);
    expect(backoffDelay(3, policy, () => 0.999)).toBe(799);
    expect(backoffDelay(10, policy, () => 0.999)).toBe(999);
    expect(backoffDelay(5, policy, () => 0)).toBe(0);
  });

  it('names every policy with a cap above its first wait', () => {
    for (const policy of Object.values(backoffPolicies))
      expect(policy.maxMs).toBeGreaterThan(policy.initialMs);
  });
});

describe('retry', () => {
  it('retries what says it is retriable until it succeeds', async () => {
    const notices: number[] = [];
    const result = await retry(
      async (attempt) => {
        if (attempt < 3) throw new RetriableError(`not yet (${attempt})`);
        return attempt;
      },
      { policy: instant, onRetry: ({ attempt }) => notices.push(attempt) },
    );
    expect(result).toBe(3);
    expect(notices).toEqual([1, 2]);
  });

  it('throws at once what is not retriable', async () => {
    let calls = 0;
    const failing = retry(
      async () => {
        calls++;
        throw new Error('bad input');
      },
      { policy: instant },
    );
    await expect(failing).rejects.toThrow('bad input');
    expect(calls).toBe(1);
  });

  it('gives up after its attempts with the last error', async () => {
    let calls = 0;
    const failing = retry(
      async () => {
        calls++;
        throw new RetriableError(`attempt ${calls}`);
      },
      { policy: instant, attempts: 4 },
    );
    await expect(failing).rejects.toThrow('attempt 4');
    expect(calls).toBe(4);
  });

  it('waits what delayMs says, and stops waiting when aborted', async () => {
    const abort = new AbortController();
    const started = Date.now();
    const failing = retry(
      async () => {
        throw new RetriableError('later', 60_000);
      },
      {
        delayMs: (error) => (error as RetriableError).requestedDelayMs ?? 0,
        onRetry: () => setTimeout(() => abort.abort(), 10),
        signal: abort.signal,
      },
    );
    await expect(failing).rejects.toThrow('later');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('takes a custom notion of retriable', async () => {
    const kafkaLike = Object.assign(new Error('busy'), { type: 'CONCURRENT_TRANSACTIONS' });
    let calls = 0;
    await retry(
      async () => {
        if (++calls < 2) throw kafkaLike;
      },
      {
        policy: instant,
        isRetriable: (error) => (error as { type?: string }).type === 'CONCURRENT_TRANSACTIONS',
      },
    );
    expect(calls).toBe(2);
    expect(isRetriable(kafkaLike)).toBe(false);
    expect(isRetriable(Object.assign(new Error('x'), { retriable: true }))).toBe(true);
  });
});

describe('sleep', () => {
  it('resolves early, without rejecting, when the signal aborts', async () => {
    const abort = new AbortController();
    const started = Date.now();
    setTimeout(() => abort.abort(), 10);
    await sleep(60_000, abort.signal);
    expect(Date.now() - started).toBeLessThan(5_000);
    await sleep(60_000, abort.signal);
  });
});
