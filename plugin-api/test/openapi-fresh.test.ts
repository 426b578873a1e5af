// The committed plugin-api/src/openapi.ts must be what the backend's OpenAPI document generates
// now, so a change of a route schema reaches the plugins' typecheck.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { GENERATE_COMMAND, GENERATED_FILE, generatePluginApiTypes } from '../../scripts/generate-plugin-api.ts';

test('plugin-api/src/openapi.ts is up to date with the backend OpenAPI document', async () => {
  const generated = await generatePluginApiTypes();
  const committed = fs.readFileSync(GENERATED_FILE, 'utf8');
  assert.ok(committed === generated, `plugin-api/src/openapi.ts is out of date; run: ${GENERATE_COMMAND}`);
});
