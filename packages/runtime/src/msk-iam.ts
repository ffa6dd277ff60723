import { generateAuthToken } from 'aws-msk-iam-sasl-signer-js';
import type { OauthbearerProviderResponse } from 'kafkajs';

/** A SASL/OAUTHBEARER token and when it stops being accepted (ms since the epoch). */
export interface BearerToken {
  token: string;
  expiryTime: number;
}

export interface BearerTokenProviderOptions {
  /** Makes a new token. */
  generate: () => Promise<BearerToken>;
  /**
   * A token this close to its expiry is replaced before it is handed out (default 2 minutes). Keep it
   * above kafkajs' re-authentication threshold (10 s), or it re-authenticates with the same token again.
   */
  refreshBeforeExpiryMs?: number;
  now?: () => number;
}

/**
 * kafkajs' `oauthBearerProvider`: it asks at every (re)authentication, so the token is kept and shared
 * until it nears its expiry, and one generation serves concurrent askers.
 */
export function bearerTokenProvider({
  generate,
  refreshBeforeExpiryMs = 120_000,
  now = Date.now,
}: BearerTokenProviderOptions): () => Promise<OauthbearerProviderResponse> {
  let current: BearerToken | undefined;
  let pending: Promise<BearerToken> | undefined;
  return async () => {
    if (!current || now() >= current.expiryTime - refreshBeforeExpiryMs) {
      pending ??= generate().finally(() => {
        pending = undefined;
      });
      current = await pending;
    }
    return { value: current.token };
  };
}

/**
 * MSK IAM authentication: tokens signed by AWS's `aws-msk-iam-sasl-signer-js` with the default
 * credential chain (environment, IRSA web identity, ECS/EC2 roles, profiles). They last 15 minutes.
 */
export function mskIamTokenProvider(region: string): () => Promise<OauthbearerProviderResponse> {
  return bearerTokenProvider({ generate: () => generateAuthToken({ region }) });
}
