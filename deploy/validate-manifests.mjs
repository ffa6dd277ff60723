// Validates rendered Kubernetes manifests offline against the Kubernetes, KEDA and prometheus-operator APIs
// as the kubernetes-models packages describe them:
//   node deploy/validate-manifests.mjs rendered.yaml...
// Two checks per object: its JSON schema (types, required fields, enums), and unknown fields, which a
// schema check lets through (a misspelled optional field): the object is type-checked as a TypeScript
// object literal of its model's interface, whose excess-property check names every field the API lacks.
// Exits 1 naming each invalid object, or any apiVersion/kind without a model.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import ts from 'typescript';
import { parseAllDocuments } from 'yaml';

/** Which package models an API group; the core group ("v1") and the k8s.io groups are in kubernetes-models. */
const groupPackages = {
  'keda.sh': '@kubernetes-models/keda',
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator',
};

function modelModule({ apiVersion, kind }) {
  const slash = apiVersion.indexOf('/');
  const modelPackage =
    slash === -1 ? 'kubernetes-models' : (groupPackages[apiVersion.slice(0, slash)] ?? 'kubernetes-models');
  return `${modelPackage}/${apiVersion}/${kind}`;
}

async function schemaProblems(object) {
  let model;
  try {
    model = (await import(modelModule(object)))[object.kind];
  } catch {
    return [`no model for ${object.apiVersion} ${object.kind}`];
  }
  try {
    new model(object).validate();
    return [];
  } catch (error) {
    return [error instanceof Error ? error.message : String(error)];
  }
}

/** Type-checks every object at once, one declaration per line; returns the problems by object index. */
function unknownFieldProblems(objects) {
  const fileName = resolve('deploy/rendered-manifests.check.mts');
  const source = objects
    .map((object, index) => {
      const type = `import(${JSON.stringify(modelModule(object))}).I${object.kind}`;
      return `export const object${index}: ${type} = ${JSON.stringify(object)};`;
    })
    .join('\n');
  const options = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
    target: ts.ScriptTarget.ES2023,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists } = host;
  host.getSourceFile = (name, language, ...rest) =>
    name === fileName
      ? ts.createSourceFile(name, source, language)
      : getSourceFile.call(host, name, language, ...rest);
  host.fileExists = (name) => name === fileName || fileExists.call(host, name);

  const problems = new Map();
  for (const diagnostic of ts.getPreEmitDiagnostics(ts.createProgram([fileName], options, host))) {
    const line =
      diagnostic.file?.fileName === fileName && diagnostic.start !== undefined
        ? diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line
        : -1;
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ');
    problems.set(line, [...(problems.get(line) ?? []), message]);
  }
  return problems;
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node deploy/validate-manifests.mjs <rendered.yaml>...');
  process.exit(2);
}

const objects = [];
let failed = 0;
for (const file of files) {
  for (const document of parseAllDocuments(await readFile(file, 'utf8'))) {
    if (document.errors.length > 0) {
      failed += 1;
      console.error(`${file}: YAML: ${document.errors.map((error) => error.message).join('; ')}`);
      continue;
    }
    const object = document.toJS();
    if (object === null || object === undefined) continue;
    objects.push({ file, object });
  }
}
if (objects.length === 0) {
  console.error(`no manifests in ${files.join(', ')}`);
  process.exit(1);
}

const typed = objects.filter(
  ({ object }) => typeof object.apiVersion === 'string' && typeof object.kind === 'string',
);
const unknownFields = unknownFieldProblems(typed.map(({ object }) => object));
// Problems the type check cannot tie to one object (outside the checked file) fail the run as well.
const unattached = unknownFields.get(-1) ?? [];
for (const message of unattached) console.error(`type check: ${message}`);
for (const entry of objects) {
  const { file, object } = entry;
  const line = typed.indexOf(entry);
  const problems =
    line === -1
      ? ['apiVersion and kind are required']
      : [...(await schemaProblems(object)), ...(unknownFields.get(line) ?? [])];
  if (problems.length > 0) {
    failed += 1;
    for (const problem of problems)
      console.error(`${file}: ${object.kind ?? '?'}/${object.metadata?.name ?? '?'}: ${problem}`);
  }
}
console.log(`${objects.length - failed} of ${objects.length} manifests valid`);
process.exit(failed > 0 || unattached.length > 0 ? 1 : 0);
