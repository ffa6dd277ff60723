#!/usr/bin/env node
// Asserts least privilege in a chart rendered with its default values (or with more stages, source roles
// or MSK IAM on), and in the chart's templates:
//   - one ServiceAccount per stage and one for the topics Job (when the chart makes them; else every pod,
//     the Job included, runs as the one named); a pod mounts its token only if it calls AWS: discovery,
//     fetcher-parser and integrity always, and with aws-msk-iam (the Kafka tokens are signed with the pod's
//     AWS credentials) every stage and the Job; without it filter-mapper, emitter and the Job mount none;
//   - only a process that mounts its token may carry an IAM role annotation; given the values file it was
//     rendered with, each ServiceAccount carries exactly its own serviceAccount.awsRoleArns.<process>;
//   - source roles' external ids only as files from Secrets (never an environment value), mounted only
//     in the stages that assume those roles;
//   - a NetworkPolicy by default, with both Ingress and Egress restricted;
//   - no pod annotation is computed from a Secret (a hash of it can be brute-forced offline).
// Usage: node deploy/check-least-privilege.mjs <rendered.yaml> <templates-dir> [<values.yaml>]
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

const [renderedPath, templatesDir, valuesPath] = process.argv.slice(2);
const objects = parseAllDocuments(await readFile(renderedPath, 'utf8'))
  .map((document) => document.toJSON())
  .filter((object) => object !== null);
const problems = [];
const awsStages = new Set(['discovery', 'fetcher-parser', 'integrity']);
const coreStages = ['discovery', 'fetcher-parser', 'filter-mapper', 'emitter'];
/** serviceAccount.awsRoleArns keys by component (the app.kubernetes.io/component label). */
const roleKeys = {
  discovery: 'discovery',
  'fetcher-parser': 'fetcherParser',
  integrity: 'integrity',
  'filter-mapper': 'filterMapper',
  emitter: 'emitter',
  topics: 'topics',
};
const roleArns = valuesPath
  ? (parse(await readFile(valuesPath, 'utf8'))?.serviceAccount?.awsRoleArns ?? {})
  : null;

const component = (object) => object.metadata.labels?.['app.kubernetes.io/component'];
const roleOf = (account) => account?.metadata.annotations?.['eks.amazonaws.com/role-arn'];
const accounts = new Map(objects.filter((o) => o.kind === 'ServiceAccount').map((o) => [o.metadata.name, o]));
const deployments = objects.filter((o) => o.kind === 'Deployment');
const jobs = objects.filter((o) => o.kind === 'Job' && component(o) === 'topics');
const stagesDeployed = deployments.map(component);
for (const stage of coreStages) {
  if (!stagesDeployed.includes(stage)) problems.push(`no ${stage} Deployment`);
}
/** Whether a workload's container sets `name` to `value`. */
const setsEnv = (workload, name, value) =>
  workload.spec.template.spec.containers[0].env?.some(
    (variable) => variable.name === name && variable.value === value,
  ) ?? false;
/** With aws-msk-iam every process signs its Kafka tokens with its AWS credentials. */
const mskIam = [...deployments, ...jobs].some((workload) =>
  setsEnv(workload, 'KAFKA_SASL_MECHANISM', 'aws-msk-iam'),
);
const callsAws = (process) => awsStages.has(process) || mskIam;
// topics.create: the stages get CREATE_TOPICS=true and the topics Job runs (and is checked like them).
const createsTopics = deployments.some((deployment) => setsEnv(deployment, 'CREATE_TOPICS', 'true'));
if (createsTopics !== (jobs.length === 1))
  problems.push(`CREATE_TOPICS is ${createsTopics} but ${jobs.length} topics Jobs are rendered`);

// The pods' ServiceAccounts and tokens: the stages' Deployments and the topics Job alike.
const accountsUsed = new Map();
for (const workload of [...deployments, ...jobs]) {
  const process = component(workload);
  const what = workload.kind === 'Job' ? 'topics Job' : process;
  const pod = workload.spec.template.spec;
  const name = pod.serviceAccountName;
  if (accounts.size > 0) {
    // The chart makes the ServiceAccounts: each pod its own, named for it.
    const account = accounts.get(name);
    if (!name) problems.push(`${what}: no serviceAccountName (the namespace's default ServiceAccount)`);
    else if (!account) problems.push(`${what}: ServiceAccount ${name} is not rendered`);
    else if (component(account) !== process)
      problems.push(`${what}: runs as ServiceAccount ${name}, which is ${component(account)}'s`);
    if (accountsUsed.has(name))
      problems.push(`${what}: shares ServiceAccount ${name} with ${accountsUsed.get(name)}`);
    if (!callsAws(process) && roleOf(account)) {
      problems.push(`${what}: its ServiceAccount has an IAM role but it calls no AWS API`);
    }
  } else if (!name || [...accountsUsed.keys()].some((other) => other !== name)) {
    // serviceAccount.create=false: every pod runs as the one ServiceAccount named (serviceAccount.name).
    problems.push(`${what}: runs as ${name ?? 'no named ServiceAccount'}, not as the stages' one`);
  }
  accountsUsed.set(name, what);
  if (pod.automountServiceAccountToken !== callsAws(process)) {
    problems.push(
      `${what}: automountServiceAccountToken is ${pod.automountServiceAccountToken}, expected ${callsAws(process)}` +
        (mskIam ? ' (aws-msk-iam: every process signs its Kafka tokens with its AWS credentials)' : ''),
    );
  }
}
if (accounts.size > 0) {
  for (const [name, account] of accounts) {
    if (!accountsUsed.has(name)) problems.push(`ServiceAccount ${name} is used by no pod`);
    if (account.automountServiceAccountToken !== false)
      problems.push(`ServiceAccount ${name}: automountServiceAccountToken must be false (the pods decide)`);
    if (roleArns) {
      const expected = roleArns[roleKeys[component(account)]] || undefined;
      if (roleOf(account) !== expected)
        problems.push(`ServiceAccount ${name}: IAM role ${roleOf(account)}, expected ${expected} (its own)`);
    }
  }
}

for (const deployment of deployments) {
  const stage = component(deployment);
  const pod = deployment.spec.template.spec;
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
const tokens = [...deployments, ...jobs].filter((w) => w.spec.template.spec.automountServiceAccountToken);
console.log(
  `least privilege holds${mskIam ? ' (aws-msk-iam)' : ''}: ` +
    (accounts.size > 0
      ? `${accounts.size} ServiceAccounts, one per stage and the topics Job${roleArns ? ', each with its own IAM role' : ''}`
      : `every pod runs as ServiceAccount ${[...accountsUsed.keys()][0]}`) +
    `; a token in ${tokens.map((w) => (w.kind === 'Job' ? 'the topics Job' : component(w))).join(', ') || 'no pod'}` +
    '; NetworkPolicy on by default; no annotation hashes a Secret',
);
