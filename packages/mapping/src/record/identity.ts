import { type CloudTrailEvent, readObject, readText } from './cloudtrail-event.js';

/** Who made the call, in the words a person reads in a title and a tag. */
export interface Actor {
  /** Short readable name: `alice`, `root`, `alice as Admin`, `ec2.amazonaws.com`. */
  name: string;
  /** Short identifier for the `user` tag: `alice`, `root`, `Admin/alice`; null when there is none. */
  tagValue: string | null;
  /** userIdentity.type, or a stand-in when CloudTrail wrote none. */
  type: string;
  /** The most precise identifier CloudTrail gave: an ARN, a principal id, or the invoking service. */
  principal: string | null;
  accountId: string | null;
}

function lastSegment(arn: string | null): string | null {
  if (arn === null) return null;
  const resource = arn.split(':').slice(5).join(':');
  const segment = resource.split('/').pop();
  return segment === undefined || segment === '' ? null : segment;
}

/** `arn:aws:sts::123:assumed-role/Role/session` -> role and session. */
function assumedRoleParts(arn: string | null): { role: string; session: string } | null {
  const match = arn === null ? null : /:assumed-role\/([^/]+)\/(.+)$/.exec(arn);
  return match === null ? null : { role: match[1]!, session: match[2]! };
}

export function describeActor(event: CloudTrailEvent): Actor {
  const identity = readObject(event, 'userIdentity');
  if (identity === null) {
    const isInsight = readText(event, 'eventCategory') === 'Insight';
    return {
      name: isInsight ? 'CloudTrail Insights' : 'an unknown principal',
      tagValue: null,
      type: isInsight ? 'Insight' : 'None',
      principal: null,
      accountId: null,
    };
  }
  const type = readText(identity, 'type');
  const arn = readText(identity, 'arn');
  const userName = readText(identity, 'userName');
  const principalId = readText(identity, 'principalId');
  const invokedBy = readText(identity, 'invokedBy');
  const accountId = readText(identity, 'accountId');
  const principal = arn ?? principalId ?? invokedBy;
  const actor = (name: string, tagValue: string | null, typeName = type ?? 'Unknown'): Actor => ({
    name,
    tagValue,
    type: typeName,
    principal,
    accountId,
  });

  switch (type) {
    case 'Root':
      return actor('root', 'root');
    case 'IAMUser': {
      const user = userName ?? lastSegment(arn) ?? principalId;
      return actor(user ?? 'an IAM user', user);
    }
    case 'AssumedRole': {
      const parts = assumedRoleParts(arn);
      const role = parts?.role ?? readText(identity, 'sessionContext.sessionIssuer.userName');
      const session = parts?.session ?? principalId?.split(':')[1] ?? null;
      if (role !== null && session !== null) return actor(`${session} as ${role}`, `${role}/${session}`);
      const either = role ?? session ?? principalId;
      return actor(either ?? 'an assumed role', either);
    }
    case 'FederatedUser': {
      const user = lastSegment(arn) ?? principalId;
      return actor(`federated user ${user ?? 'unknown'}`, user);
    }
    case 'AWSService':
      return actor(invokedBy ?? 'an AWS service', invokedBy);
    case 'AWSAccount': {
      const account = accountId ?? principalId;
      return actor(`account ${account ?? 'unknown'}`, account);
    }
    case 'IdentityCenterUser': {
      const user = userName ?? lastSegment(arn) ?? readText(identity, 'userId');
      return actor(user ?? 'an Identity Center user', user);
    }
    case null:
      // CloudTrail omits the type for calls AWS makes on its own behalf ("AWS Internal").
      if (invokedBy !== null) return actor(invokedBy, invokedBy, 'AWSService');
      return actor(accountId === null ? 'AWS' : `account ${accountId}`, accountId, 'Unknown');
    default: {
      const user = userName ?? lastSegment(arn) ?? principalId ?? invokedBy;
      return actor(user ?? type, user);
    }
  }
}

// The Datadog forwarder's rule: a role session named after an EC2 instance id is that instance.
const instanceSessionArn =
  /^arn:aws[a-z-]*:sts::[^:]*:assumed-role\/[^/]+\/(i-(?:[0-9a-f]{8}|[0-9a-f]{17}))$/;

/** The EC2 instance id when the caller is an instance profile session, else null. */
export function instanceHost(event: CloudTrailEvent): string | null {
  const arn = readText(event, 'userIdentity.arn');
  return arn === null ? null : (instanceSessionArn.exec(arn)?.[1] ?? null);
}
