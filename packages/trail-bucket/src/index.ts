export { bareEtag } from './etag.js';
export {
  type FetchPolicy,
  type ObjectLocation,
  ObjectUnavailableError,
  type OpenedObject,
  openObject,
} from './fetch-object.js';
export {
  type IntegrityListing,
  inflatedSha256,
  listIntegrityKeys,
  s3IntegritySource,
} from './integrity-source.js';
export { type ListedObject, objectRefFromListing } from './object-refs.js';
export { cloudTrailPublicKeys, listPublicKeys, publicKeysFromFile } from './public-key-sources.js';
export {
  type ReplayListing,
  type ReplayRequest,
  type ReplaySummary,
  replayRange,
} from './replay.js';
export { classifyS3Failure, type S3Failure, type S3FailureKind } from './s3-failures.js';
export { type ListRequest, listChildFolders, listFolderObjects, type OnListCall } from './s3-listing.js';
export {
  type AssumedCredentials,
  type AssumedCredentialsProvider,
  AssumeRoleError,
  assumeRoleProvider,
  type ClientsBySource,
  clientsBySource,
  identityFrom,
  SourceCredentials,
} from './source-credentials.js';
export {
  noSourceRoles,
  parseSourceRoles,
  type SourceRole,
  type SourceRoleDefaults,
  type SourceRoleEntry,
  type SourceRoles,
  SourceRolesError,
  stageSourceRoles,
} from './source-roles.js';
export { discoverStreams } from './stream-discovery.js';
