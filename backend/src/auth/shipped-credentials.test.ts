import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * Issue 15, paths 1 and 9: what the repository ships for Grafana, Alertmanager and Docker
 * carries one token per role and no secret of its own (docs/security.md).
 */
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const read = (file: string) => fs.readFileSync(path.join(repo, file), 'utf8');

/** The lines of one top-level service of docker-compose.yml (two-space indented block). */
function service(compose: string, name: string): string {
  const start = compose.indexOf(`\n  ${name}:\n`);
  assert.ok(start >= 0, `service ${name}`);
  const rest = compose.slice(start + 1);
  const next = rest.slice(1).search(/\n {2}\S|\n\S/);
  return next < 0 ? rest : rest.slice(0, next + 1);
}

describe('shipped credentials', () => {
  const compose = read('docker-compose.yml');

  test('compose: secrets come from .env and are required; no placeholder defaults', () => {
    assert.doesNotMatch(compose, /change-me|:-[^}]*(token|secret)/i);
    for (const variable of ['MODELWATCH_ADMIN_TOKEN', 'MODELWATCH_WEBHOOK_SECRET', 'GRAFANA_ADMIN_PASSWORD']) {
      assert.match(compose, new RegExp(`\\$\\{${variable}:\\?`), `${variable} is required`);
    }
    assert.doesNotMatch(compose, /GF_SECURITY_ADMIN_PASSWORD: admin\b/);
    assert.match(read('.gitignore'), /^\.env$/m);
  });

  test('compose: published ports bound to 127.0.0.1; Prometheus and Alertmanager not published', () => {
    const published = [...compose.matchAll(/^\s+- "([^"]+)"$/gm)].map((m) => m[1]!).filter((p) => /^\S*\d+:\d+$/.test(p));
    assert.ok(published.length >= 2);
    for (const port of published) assert.match(port, /^127\.0\.0\.1:/, port);
    for (const name of ['prometheus', 'alertmanager']) assert.doesNotMatch(service(compose, name), /ports:/, `${name} publishes a port`);
  });

  test('Grafana provisioning: three tokens by role, the viewer token for the datasource, the webhook token for alerts', () => {
    const app = read('provisioning/grafana/plugins/modelwatch.yaml');
    assert.match(app, /apiToken: \$\{MODELWATCH_VIEWER_TOKEN\}/);
    assert.match(app, /editorToken: \$\{MODELWATCH_EDITOR_TOKEN\}/);
    assert.match(app, /adminToken: \$\{MODELWATCH_GRAFANA_ADMIN_TOKEN\}/);
    const datasource = read('provisioning/grafana/datasources/modelwatch.yaml');
    assert.match(datasource, /apiToken: \$\{MODELWATCH_VIEWER_TOKEN\}/);
    assert.doesNotMatch(datasource, /ADMIN_TOKEN|EDITOR_TOKEN/);
    assert.match(read('provisioning/grafana/alerting/modelwatch-contact-points.yaml'), /authorization_credentials: \$\{MODELWATCH_WEBHOOK_TOKEN\}/);
    assert.match(service(compose, 'grafana'), /MODELWATCH_WEBHOOK_TOKEN/);
    assert.doesNotMatch(service(compose, 'grafana'), /MODELWATCH_ADMIN_TOKEN/, "Grafana never holds the bootstrap admin token");
  });
});
