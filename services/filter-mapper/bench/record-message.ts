import { cloudTrailRecordContract, type EncodedMessage, type RecordOrigin } from '@trailstream/schemas';

/**
 * A record message as the fetcher-parser would produce it, around a fixture record's JSON. The mapper
 * reads the JSON, so the routing fields are placeholders; that keeps fixtures without them usable.
 */
export function benchRecordMessage(eventID: string, json: string, origin: RecordOrigin): EncodedMessage {
  return cloudTrailRecordContract.encode({
    eventID,
    eventTime: '2024-05-01T10:00:00Z',
    eventSource: 'fixture',
    eventName: 'fixture',
    awsRegion: 'us-east-1',
    recipientAccountId: null,
    readOnly: null,
    errorCode: null,
    identityType: null,
    principal: null,
    sourceIPAddress: null,
    json,
    origin,
  });
}
