import {
  AssumeRoleCommand,
  type AssumeRoleCommandOutput,
  GetCallerIdentityCommand,
  STSClient,
  type STSClientConfig,
} from '@aws-sdk/client-sts';
import { classifyS3Failure } from './s3-failures.js';
import type { SourceRole, SourceRoles } from './source-roles.js';

/** Temporary credentials, in the shape the AWS SDK clients take as `credentials`. */
export interface AssumedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

export type AssumedCredentialsProvider = () => Promise<AssumedCredentials>;

/**
 * STS refused or failed the AssumeRole for a source. The message names the role, session and STS region
 * (never the external id) and says what to check; `transient` tells a retry apart from a fix to make.
 */
export class AssumeRoleError extends Error {
  override readonly name = 'AssumeRoleError';
  readonly transient: boolean;

  constructor(
    readonly role: SourceRole,
    cause: unknown,
  ) {
    const reason = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    const transient = classifyS3Failure(cause).kind === 'transient';
    super(
      `could not assume ${role.roleArn} (session ${role.sessionName}, STS in ${role.stsRegion}): ${reason}` +
        (transient
          ? ''
          : `; check the role's trust policy (this process's principal, sts:ExternalId ${role.externalId ? 'matching the external id file' : 'condition absent, as no externalIdFile is set'}) and this principal's sts:AssumeRole permission`),
      { cause },
    );
    this.transient = transient;
  }
}

/**
 * Credentials for the sources that name a role: one STS session per distinct role (shared by every
 * client of the sources naming it). The AWS SDK client calls the provider again once the credentials
 * are within 5 minutes of expiry (its own rule), so they are refreshed before they expire; a failed
 * AssumeRole is tried again on the next request, never remembered.
 */
export class SourceCredentials {
  private readonly providers = new Map<string, AssumedCredentialsProvider>();
  private readonly clients = new Map<string, STSClient>();

  /** `sts`: client settings for tests (endpoint, base credentials); the process's default chain otherwise. */
  constructor(
    private readonly roles: SourceRoles,
    private readonly sts: Omit<STSClientConfig, 'region'> = {},
  ) {}

  /** The credentials to read a bucket with: undefined for the process's own. */
  forBucket(bucket: string): AssumedCredentialsProvider | undefined {
    return this.providerFor(this.roles.forBucket(bucket));
  }

  forQueue(queueUrl: string): AssumedCredentialsProvider | undefined {
    return this.providerFor(this.roles.forQueue(queueUrl));
  }

  /** The same for equal roles, so a cache of clients can key on it. */
  providerFor(role: SourceRole | null): AssumedCredentialsProvider | undefined {
    if (role === null) return undefined;
    const id = JSON.stringify([
      role.roleArn,
      role.externalId,
      role.sessionName,
      role.stsRegion,
      role.durationSeconds,
    ]);
    let provider = this.providers.get(id);
    if (!provider) {
      provider = assumeRoleProvider(this.stsClient(role.stsRegion), role);
      this.providers.set(id, provider);
    }
    return provider;
  }

  /**
   * Who a role's credentials act as (GetCallerIdentity signed with them, e.g.
   * `arn:aws:sts::<account>:assumed-role/<role>/<session>`), or with `null` the process's own identity.
   * A refused AssumeRole throws its AssumeRoleError.
   */
  async callerArn(role: SourceRole | null, region: string): Promise<string> {
    const credentials = this.providerFor(role);
    const sts = new STSClient({
      maxAttempts: 3,
      ...this.sts,
      region: role?.stsRegion ?? region,
      ...(credentials ? { credentials } : {}),
    });
    try {
      const { Arn } = await sts.send(new GetCallerIdentityCommand({}));
      if (!Arn) throw new Error('GetCallerIdentity answered without an Arn');
      return Arn;
    } finally {
      sts.destroy();
    }
  }

  destroy(): void {
    for (const client of this.clients.values()) client.destroy();
    this.clients.clear();
  }

  private stsClient(region: string): STSClient {
    let client = this.clients.get(region);
    if (!client) {
      client = new STSClient({ maxAttempts: 3, ...this.sts, region });
      this.clients.set(region, client);
    }
    return client;
  }
}

/** One AssumeRole per call; the SDK client that holds the provider caches what it returns until near expiry. */
export function assumeRoleProvider(sts: STSClient, role: SourceRole): AssumedCredentialsProvider {
  return async (): Promise<AssumedCredentials> => {
    let answer: AssumeRoleCommandOutput;
    try {
      answer = await sts.send(
        new AssumeRoleCommand({
          RoleArn: role.roleArn,
          RoleSessionName: role.sessionName,
          DurationSeconds: role.durationSeconds,
          ...(role.externalId ? { ExternalId: role.externalId } : {}),
        }),
      );
    } catch (error) {
      throw new AssumeRoleError(role, error);
    }
    return identityFrom(answer.Credentials, role);
  };
}

/** Validates what STS returned: four fields, or an error that says which is missing. */
export function identityFrom(credentials: unknown, role: SourceRole): AssumedCredentials {
  const fields = (typeof credentials === 'object' && credentials !== null ? credentials : {}) as Record<
    string,
    unknown
  >;
  const { AccessKeyId, SecretAccessKey, SessionToken, Expiration } = fields;
  if (
    typeof AccessKeyId !== 'string' ||
    typeof SecretAccessKey !== 'string' ||
    typeof SessionToken !== 'string' ||
    !(Expiration instanceof Date) ||
    Number.isNaN(Expiration.getTime())
  ) {
    throw new AssumeRoleError(role, new Error('STS answered without complete credentials'));
  }
  return {
    accessKeyId: AccessKeyId,
    secretAccessKey: SecretAccessKey,
    sessionToken: SessionToken,
    expiration: Expiration,
  };
}

/** A client per source that names a role, and one shared by the sources that do not. */
export interface ClientsBySource<Client> {
  for(source: string): Client;
  /** Every client made so far, the shared one first. */
  all(): Client[];
}

/**
 * Sources come from the configuration, so the clients made here are as many as its roles at most.
 * `credentialsFor` says which role a source names, if any.
 */
export function clientsBySource<Client>(
  shared: Client,
  credentialsFor: (source: string) => AssumedCredentialsProvider | undefined,
  withCredentials: (credentials: AssumedCredentialsProvider) => Client,
): ClientsBySource<Client> {
  const assumed = new Map<string, Client>();
  return {
    for(source) {
      const credentials = credentialsFor(source);
      if (!credentials) return shared;
      const known = assumed.get(source);
      if (known) return known;
      const client = withCredentials(credentials);
      assumed.set(source, client);
      return client;
    },
    all: () => [shared, ...assumed.values()],
  };
}
