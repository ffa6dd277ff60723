export {
  createTestBucket,
  createTestQueue,
  notifyQueueOnObjectCreated,
  type TestQueue,
  testS3,
  testSqs,
} from './aws.js';
export {
  type DatadogIntake,
  type DatadogIntakeOptions,
  type Fault,
  type IntakeSnapshot,
  startDatadogIntake,
} from './datadog-intake/index.js';
export {
  createDigestSigningKey,
  type DigestSigningKey,
  type DigestTrail,
  type DigestTrailOptions,
  digestKey,
  digestTrail,
  publicKeysFile,
  putTrailObjects,
  type TrailBucketObject,
} from './digest-trail.js';
export { type ProvisionedEndpoints, provisionEndpoints, type TestEndpoints } from './endpoints.js';
export { type FixtureRecord, loadFixtureRecords } from './fixture-records.js';
export { cloudTrailLogFiles, fixturePath, fixturesRoot, readFixture } from './fixtures.js';
export {
  fuzzInputBudgetMs,
  fuzzParameters,
  fuzzTimeoutMs,
  mutateText,
  type TextMutation,
  textMutations,
} from './fuzz.js';
export {
  type CollectedMessage,
  type CollectOptions,
  collectFor,
  collectMessages,
  createTestTopics,
  type TestTopicSpec,
  testKafka,
} from './kafka.js';
export { uniqueName } from './names.js';
export {
  freePort,
  type PrivateKafka,
  type SecureKafka,
  startPrivateKafka,
  startSecureKafka,
} from './private-kafka.js';
export {
  type ServiceCode,
  type ServiceName,
  type ServiceProcess,
  serviceCommand,
  serviceEnvironment,
  startServiceProcess,
} from './processes.js';
export {
  isSqsRequest,
  type S3FaultProxy,
  type S3FaultProxyOptions,
  startS3FaultProxy,
} from './s3-fault-proxy.js';
export {
  type AssumeRoleCall,
  type SignedRequest,
  type StsTrustProxy,
  type StsTrustProxyOptions,
  startStsTrustProxy,
} from './sts-trust-proxy.js';
export {
  cloudTrailKey,
  type HugeTrailObject,
  hugeTrailObject,
  recordTemplates,
  type SyntheticTrailOptions,
  syntheticTrail,
  type TrailObject,
} from './synthetic-trail.js';
export { eventually, type MetricsSource, metricValue } from './waiting.js';
