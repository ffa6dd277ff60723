import type { TestProject } from 'vitest/node';
import { provisionEndpoints } from './endpoints.js';

/** Vitest global setup for the integration project: real servers up before any test, released after. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const { endpoints, release } = await provisionEndpoints();
  process.stderr.write(
    `[testkit] Kafka ${endpoints.kafkaBrokers.join(',')}, S3/SQS ${endpoints.awsEndpoint} (${endpoints.origin})\n`,
  );
  project.provide('endpoints', endpoints);
  return release;
}
