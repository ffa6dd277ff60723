// Validates rendered Kubernetes manifests against the Kubernetes, KEDA and prometheus-operator schemas,
// offline (kubernetes-models ships them): node deploy/validate-manifests.mjs rendered.yaml...
// Exits 1 naming each invalid object, or any object whose apiVersion/kind has no schema here.
import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';

/** Which package holds the models of an API group; the core group ("v1") and k8s.io groups are in kubernetes-models. */
const groupPackages = {
  'keda.sh': '@kubernetes-models/keda',
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator',
};

function modelModule(apiVersion, kind) {
  const slash = apiVersion.indexOf('/');
  if (slash === -1) return `kubernetes-models/${apiVersion}/${kind}`;
  const group = apiVersion.slice(0, slash);
  return `${groupPackages[group] ?? 'kubernetes-models'}/${apiVersion}/${kind}`;
}

async function validateObject(object) {
  const { apiVersion, kind } = object;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return ['apiVersion and kind are required'];
  let model;
  try {
    model = (await import(modelModule(apiVersion, kind)))[kind];
  } catch {
    return [`no schema for ${apiVersion} ${kind}`];
  }
  try {
    new model(object).validate();
    return [];
  } catch (error) {
    return [error instanceof Error ? error.message : String(error)];
  }
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node deploy/validate-manifests.mjs <rendered.yaml>...');
  process.exit(2);
}

let checked = 0;
let failed = 0;
for (const file of files) {
  const documents = parseAllDocuments(await readFile(file, 'utf8'));
  for (const document of documents) {
    if (document.errors.length > 0) {
      failed += 1;
      console.error(`${file}: YAML: ${document.errors.map((e) => e.message).join('; ')}`);
      continue;
    }
    const object = document.toJS();
    if (object === null || object === undefined) continue;
    checked += 1;
    const name = `${object.kind ?? '?'}/${object.metadata?.name ?? '?'}`;
    const problems = await validateObject(object);
    if (problems.length > 0) {
      failed += 1;
      for (const problem of problems) console.error(`${file}: ${name}: ${problem}`);
    }
  }
}
if (checked === 0) {
  console.error(`no manifests in ${files.join(', ')}`);
  process.exit(1);
}
console.log(`${checked - failed} of ${checked} manifests valid`);
process.exit(failed > 0 ? 1 : 0);
