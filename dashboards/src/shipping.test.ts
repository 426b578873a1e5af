import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { includedUids, shippedTwice } from './shipping.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

test('the app plugin ships every dashboard and no file provider ships them again', async () => {
  assert.deepEqual((await includedUids(ROOT)).sort(), ['modelwatch-drift', 'modelwatch-experiments', 'modelwatch-model-overview']);
  assert.deepEqual(await shippedTwice(ROOT), []);
});

test('a file provider mounted over the same dashboards is found', async () => {
  const root = await mkdtemp(join(tmpdir(), 'modelwatch-shipping-'));
  try {
    await cp(join(ROOT, 'app-plugin/src/plugin.json'), join(root, 'app-plugin/src/plugin.json'));
    await cp(join(ROOT, 'app-plugin/src/dashboards'), join(root, 'app-plugin/src/dashboards'), { recursive: true });
    await cp(join(ROOT, 'app-plugin/src/dashboards'), join(root, 'provisioning/dashboards'), { recursive: true });
    await mkdir(join(root, 'provisioning/grafana/dashboards'), { recursive: true });
    await writeFile(
      join(root, 'provisioning/grafana/dashboards/modelwatch.yaml'),
      'apiVersion: 1\nproviders:\n  - name: ModelWatch\n    type: file\n    options:\n      path: /var/lib/grafana/dashboards/modelwatch\n',
    );
    await writeFile(join(root, 'docker-compose.yml'), 'services:\n  grafana:\n    volumes:\n      - ./provisioning/dashboards:/var/lib/grafana/dashboards/modelwatch:ro\n');
    assert.deepEqual((await shippedTwice(root)).sort(), ['modelwatch-drift', 'modelwatch-experiments', 'modelwatch-model-overview']);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
