// Regenerates openapi-v1-dashboard-monitor.json from Datadog's v1 OpenAPI spec: the Dashboard and Monitor
// schemas and every schema they reference, nothing else. Usage:
//   node deploy/datadog/schema/extract.mjs <path to .generator/schemas/v1/openapi.yaml> <commit>
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const [specPath, commit] = process.argv.slice(2);
if (!specPath || !commit) throw new Error('usage: extract.mjs <openapi.yaml> <commit>');
const spec = parse(readFileSync(specPath, 'utf8'));
const all = spec.components.schemas;
const kept = {};
const visit = (value) => {
  if (Array.isArray(value)) return value.forEach(visit);
  if (typeof value !== 'object' || value === null) return;
  for (const [key, child] of Object.entries(value)) {
    if (key === '$ref' && typeof child === 'string') {
      const name = child.replace('#/components/schemas/', '');
      if (!(name in kept)) {
        kept[name] = all[name];
        visit(all[name]);
      }
    } else visit(child);
  }
};
for (const root of ['Dashboard', 'Monitor']) {
  kept[root] = all[root];
  visit(all[root]);
}
const out = {
  source: `https://github.com/DataDog/datadog-api-client-python/blob/${commit}/.generator/schemas/v1/openapi.yaml`,
  license: 'Apache-2.0 (Copyright Datadog, Inc.), see LICENSE beside this file',
  openapi: spec.openapi,
  version: spec.info.version,
  components: { schemas: Object.fromEntries(Object.entries(kept).sort(([a], [b]) => a.localeCompare(b))) },
};
const target = join(dirname(fileURLToPath(import.meta.url)), 'openapi-v1-dashboard-monitor.json');
writeFileSync(target, `${JSON.stringify(out, null, 1)}\n`);
console.log(`${Object.keys(kept).length} schemas written to ${target}`);
