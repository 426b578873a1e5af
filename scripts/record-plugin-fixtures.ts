// Records plugin-api/fixtures/*.json, the backend replies both plugins' contract tests use, from a
// running ModelWatch (e.g. `node backend/src/cli/main.ts demo --keep-running`, model shop-ctr):
//   MODELWATCH_URL=http://127.0.0.1:8080 MODELWATCH_TOKEN=<viewer token> node scripts/record-plugin-fixtures.ts [model]
import fs from 'node:fs';

const base = process.env.MODELWATCH_URL ?? 'http://127.0.0.1:8080';
const token = process.env.MODELWATCH_TOKEN;
if (!token) throw new Error('set MODELWATCH_TOKEN (a viewer token: node backend/src/cli/main.ts token create --role viewer)');
const model = encodeURIComponent(process.argv[2] ?? 'shop-ctr');
const dir = new URL('../plugin-api/fixtures/', import.meta.url);

async function get(path: string): Promise<unknown> {
  const response = await fetch(new URL(path, base), { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

function save(name: string, body: unknown): void {
  fs.writeFileSync(new URL(`${name}.json`, dir), `${JSON.stringify(body, null, 1)}\n`);
  console.log(`recorded ${name}.json`);
}

const experiments = (await get(`/api/v1/experiments?model=${model}`)) as { experiments: Array<{ id: string }> };
const replies: Record<string, string> = {
  aliases: `/api/v1/models/${model}/aliases?limit=20`,
  audit: `/api/v1/audit?model=${model}`,
  drift: `/api/v1/models/${model}/drift`,
  health: `/api/v1/models/${model}/health`,
  kpis: `/api/v1/models/${model}/kpis`,
  policies: '/api/v1/policies',
  versions: `/api/v1/models/${model}/versions`,
};
for (const [name, path] of Object.entries(replies)) save(name, await get(path));
save('experiments', experiments);
const first = experiments.experiments[0];
if (first) save('results', await get(`/api/v1/experiments/${encodeURIComponent(first.id)}/results`));
