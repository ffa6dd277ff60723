#!/usr/bin/env node
// Asserts least privilege in a chart rendered with its default values (or with more stages and source
// roles on), and in the chart's templates:
//   - one ServiceAccount per stage; only discovery, fetcher-parser and integrity mount a token, and only
//     they may carry an IAM role annotation;
//   - source roles' external ids only as files from Secrets (never an environment value), mounted only
//     in the stages that assume those roles;
//   - a NetworkPolicy by default, with both Ingress and Egress restricted;
//   - no pod annotation is computed from a Secret (a hash of it can be brute-forced offline).
// Usage: node deploy/check-least-privilege.mjs <rendered.yaml> <templates-dir>
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

const [renderedPath, templatesDir] = process.argv.slice(2);
const objects = parseAllDocuments(await readFile(renderedPath, 'utf8'))
  .map((document) => document.toJSON())
  .filter((object) => object !== null);
const problems = [];
const awsStages = new Set(['discovery', 'fetcher-parser', 'integrity']);
const coreStages = ['discovery', 'fetcher-parser', 'filter-mapper', 'emitter'];

const accounts = new Map(objects.filter((o) => o.kind === 'ServiceAccount').map((o) => [o.metadata.name, o]));
const deployments = objects.filter((o) => o.kind === 'Deployment');
const stagesDeployed = deployments.map((d) => d.metadata.labels['app.kubernetes.io/component']);
for (const stage of coreStages) {
  if (!stagesDeployed.includes(stage)) problems.push(`no ${stage} Deployment`);
}
const accountsUsed = new Set();
for (const deployment of deployments) {
  const stage = deployment.metadata.labels['app.kubernetes.io/component'];
  const pod = deployment.spec.template.spec;
  const account = accounts.get(pod.serviceAccountName);
  if (!account) problems.push(`${stage}: ServiceAccount ${pod.serviceAccountName} is not rendered`);
  if (accountsUsed.has(pod.serviceAccountName))
    problems.push(`${stage}: shares ServiceAccount ${pod.serviceAccountName}`);
  accountsUsed.add(pod.serviceAccountName);
  if (pod.automountServiceAccountToken !== awsStages.has(stage)) {
    problems.push(`${stage}: automountServiceAccountToken is ${pod.automountServiceAccountToken}`);
  }
  if (!awsStages.has(stage) && account?.metadata.annotations?.['eks.amazonaws.com/role-arn']) {
    problems.push(`${stage}: has an IAM role but calls no AWS API`);
  }
  const container = pod.containers[0];
  const sourceRoles = container.env?.find((variable) => variable.name === 'SOURCE_ROLES');
  if (sourceRoles && !awsStages.has(stage)) problems.push(`${stage}: has SOURCE_ROLES but calls no AWS API`);
  if (sourceRoles?.value && /"externalId"/.test(sourceRoles.value)) {
    problems.push(`${stage}: SOURCE_ROLES carries an external id in plain text`);
  }
  const roleSecrets = pod.volumes?.find((volume) => volume.name === 'source-roles');
  if (roleSecrets && !sourceRoles) problems.push(`${stage}: mounts source role external ids it does not use`);
  if (roleSecrets?.projected?.sources.some((source) => !source.secret)) {
    problems.push(`${stage}: source role external ids from something other than a Secret`);
  }
  for (const name of Object.keys(deployment.spec.template.metadata.annotations ?? {})) {
    if (/secret/i.test(name)) problems.push(`${stage}: pod annotation ${name} derives from a Secret`);
  }
}

const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
if (policies.length === 0) problems.push('no NetworkPolicy with the default values');
for (const policy of policies) {
  const types = policy.spec.policyTypes ?? [];
  if (!types.includes('Ingress') || !types.includes('Egress')) {
    problems.push(`NetworkPolicy ${policy.metadata.name} restricts ${types.join(', ')} only`);
  }
  const peers = (policy.spec.ingress ?? []).flatMap((rule) => rule.from ?? []);
  if (peers.length === 0 || peers.some((peer) => !peer.namespaceSelector)) {
    problems.push(
      `NetworkPolicy ${policy.metadata.name} admits ingress from outside the monitoring namespace`,
    );
  }
  const egressPorts = (policy.spec.egress ?? []).flatMap((rule) => (rule.ports ?? []).map((p) => p.port));
  if ((policy.spec.egress ?? []).some((rule) => !rule.ports)) {
    problems.push(`NetworkPolicy ${policy.metadata.name} has an egress rule open to every port`);
  }
  if (!egressPorts.includes(53) || !egressPorts.includes(443)) {
    problems.push(
      `NetworkPolicy ${policy.metadata.name} egress ports ${egressPorts.join(', ')} lack DNS or 443`,
    );
  }
}

for (const file of await readdir(templatesDir)) {
  const text = await readFile(join(templatesDir, file), 'utf8');
  for (const line of text.split('\n')) {
    if (/secret[^"]*\.yaml"\)[^}]*\|\s*sha256sum/i.test(line)) {
      problems.push(`${file}: hashes a rendered Secret: ${line.trim()}`);
    }
  }
}

if (problems.length > 0) {
  for (const problem of problems) console.error(`least privilege: ${problem}`);
  process.exit(1);
}
console.log(
  `least privilege holds: ${accountsUsed.size} ServiceAccounts, one per stage; NetworkPolicy on by default; no annotation hashes a Secret`,
);
