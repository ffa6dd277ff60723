// Checks that the environment the deploy files give each process is one that process accepts: every
// variable is one it reads, and its own start-up validation (loadConfig with its zod shape) passes.
//   node --conditions=@trailstream/source --import tsx deploy/check-stage-config.mjs \
//     --compose <compose-go --format json output> --helm <rendered.yaml>...
// Values from Secrets are not in the files; they stand in as a placeholder string. SOURCE_ROLES is parsed
// as the stages parse it, each externalIdFile (a mounted Secret) read as a placeholder id.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { discoveryEnv } from '@trailstream/discovery';
import { emitterEnv } from '@trailstream/emitter';
import { fetcherParserEnv } from '@trailstream/fetcher-parser';
import { filterMapperEnv } from '@trailstream/filter-mapper';
import { integrityEnv } from '@trailstream/integrity';
import { ConfigError, kafkaEnv, loadConfig, topicsEnv } from '@trailstream/runtime';
import { parseSourceRoles, SourceRolesError } from '@trailstream/trail-bucket';
import { parseAllDocuments } from 'yaml';

/** Variables the AWS SDK reads itself, for the processes that call AWS. */
const awsSdkVariables = ['AWS_REGION', 'AWS_ENDPOINT_URL', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'];

/** The image's commands (entrypoint.sh) and what each one reads. */
const processes = {
  discovery: { shape: discoveryEnv, sdk: awsSdkVariables },
  'fetcher-parser': { shape: fetcherParserEnv, sdk: awsSdkVariables },
  'filter-mapper': { shape: filterMapperEnv, sdk: [] },
  emitter: { shape: emitterEnv, sdk: [] },
  integrity: { shape: integrityEnv, sdk: awsSdkVariables },
  trailstream: { shape: { ...kafkaEnv, ...topicsEnv }, sdk: [] },
};

const secretPlaceholder = 'value-from-a-secret';

function sourceRolesProblems(command, text) {
  try {
    parseSourceRoles(
      text,
      { stsRegion: 'us-east-1', sessionName: `trailstream-${command}` },
      () => secretPlaceholder,
    );
  } catch (error) {
    if (!(error instanceof SourceRolesError)) throw error;
    return error.problems;
  }
  return [];
}

function problemsOf(command, env) {
  const known = processes[command];
  const unknown = Object.keys(env).filter((name) => !(name in known.shape) && !known.sdk.includes(name));
  const problems = unknown.map((name) => `${name} is not a variable ${command} reads`);
  try {
    loadConfig(known.shape, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
  }
  if (env.SOURCE_ROLES) problems.push(...sourceRolesProblems(command, env.SOURCE_ROLES));
  return problems;
}

/** [where, command, env] for each compose service that runs a Trailstream process. */
function composeProcesses(model) {
  return Object.entries(model.services ?? {})
    .filter(([, service]) => service.command?.[0] in processes)
    .map(([name, service]) => [
      `compose service ${name}`,
      service.command[0],
      Object.fromEntries(Object.entries(service.environment ?? {}).filter(([, value]) => value !== null)),
    ]);
}

/** [where, command, env] for each container of the rendered workloads that runs a Trailstream process. */
function helmProcesses(file, objects) {
  const found = [];
  for (const object of objects) {
    const containers = object?.spec?.template?.spec?.containers ?? [];
    for (const container of containers) {
      const command = container.args?.[0];
      if (!(command in processes)) continue;
      const env = Object.fromEntries(
        (container.env ?? []).map((variable) => [variable.name, variable.value ?? secretPlaceholder]),
      );
      found.push([`${file}: ${object.kind}/${object.metadata.name}`, command, env]);
    }
  }
  return found;
}

const { values } = parseArgs({
  options: { compose: { type: 'string' }, helm: { type: 'string', multiple: true } },
});
const checked = [];
if (values.compose) checked.push(...composeProcesses(JSON.parse(await readFile(values.compose, 'utf8'))));
for (const file of values.helm ?? []) {
  const objects = parseAllDocuments(await readFile(file, 'utf8')).map((document) => document.toJS());
  checked.push(...helmProcesses(file, objects));
}
if (checked.length === 0) {
  console.error('no Trailstream process found: pass --compose <model.json> and/or --helm <rendered.yaml>...');
  process.exit(2);
}

let failed = 0;
for (const [where, command, env] of checked) {
  const problems = problemsOf(command, env);
  if (problems.length === 0) continue;
  failed += 1;
  for (const problem of problems) console.error(`${where} (${command}): ${problem}`);
}
console.log(`${checked.length - failed} of ${checked.length} process environments accepted by their process`);
process.exit(failed > 0 ? 1 : 0);
