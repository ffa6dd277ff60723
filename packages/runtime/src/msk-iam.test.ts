import { describe, expect, it } from 'vitest';
import { type BearerToken, bearerTokenProvider, mskIamTokenProvider } from './msk-iam.js';

describe('mskIamTokenProvider', () => {
  it("signs kafka-cluster:Connect for the cluster's region with the default credential chain", async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLETRAILSTREAM',
      AWS_SECRET_ACCESS_KEY: 'secret-example',
    });
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
    try {
      const { value } = await mskIamTokenProvider('eu-west-1')();
      // The token is a base64url presigned URL (what MSK's IAM listener verifies), not a JWT.
      const url = new URL(Buffer.from(value, 'base64url').toString('utf8'));
      expect(url.host).toBe('kafka.eu-west-1.amazonaws.com');
      expect(url.searchParams.get('Action')).toBe('kafka-cluster:Connect');
      expect(url.searchParams.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
      expect(url.searchParams.get('X-Amz-Credential')).toMatch(
        /^AKIDEXAMPLETRAILSTREAM\/\d{8}\/eu-west-1\/kafka-cluster\/aws4_request$/,
      );
      expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
      expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
      expect(value).not.toContain('secret-example');
    } finally {
      process.env = saved;
    }
  });
});

describe('bearerTokenProvider', () => {
  function counting(lifetimeMs: number, clock: { now: number }) {
    const made: BearerToken[] = [];
    const generate = async () => {
      const token = { token: `token-${made.length + 1}`, expiryTime: clock.now + lifetimeMs };
      made.push(token);
      return token;
    };
    return { made, generate };
  }

  it('keeps a token until it nears expiry, then makes a new one before the old one lapses', async () => {
    const clock = { now: 1_000_000 };
    const { made, generate } = counting(900_000, clock);
    const provide = bearerTokenProvider({ generate, refreshBeforeExpiryMs: 120_000, now: () => clock.now });
    expect(await provide()).toEqual({ value: 'token-1' });
    clock.now += 779_000; // 121 s left: still good
    expect(await provide()).toEqual({ value: 'token-1' });
    clock.now += 2_000; // 119 s left: replaced while the old one still works
    expect(await provide()).toEqual({ value: 'token-2' });
    expect(made).toHaveLength(2);
  });

  it('makes one token for concurrent askers', async () => {
    const clock = { now: 0 };
    const { made, generate } = counting(900_000, clock);
    const provide = bearerTokenProvider({ generate, now: () => clock.now });
    const tokens = await Promise.all([provide(), provide(), provide()]);
    expect(tokens.map((t) => t.value)).toEqual(['token-1', 'token-1', 'token-1']);
    expect(made).toHaveLength(1);
  });

  it('asks again after a failed generation rather than keeping the failure', async () => {
    let attempts = 0;
    const provide = bearerTokenProvider({
      generate: async () => {
        attempts += 1;
        if (attempts === 1) throw new Error('no credentials yet');
        return { token: 'late', expiryTime: Date.now() + 900_000 };
      },
    });
    await expect(provide()).rejects.toThrow('no credentials yet');
    expect(await provide()).toEqual({ value: 'late' });
  });
});
