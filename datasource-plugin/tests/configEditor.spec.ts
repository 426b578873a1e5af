import { expect, test } from '@grafana/plugin-e2e';

// Runs against a Grafana with the plugin installed (docker compose at the repository root).
// Backend replies are stubbed at the browser, so no ModelWatch backend is needed.

test('config editor asks for the backend URL and an API token', async ({ createDataSourceConfigPage, page }) => {
  await createDataSourceConfigPage({ type: 'modelwatch-mlops-datasource' });
  await expect(page.getByPlaceholder('http://modelwatch:8080')).toBeVisible();
  await expect(page.getByText('API token')).toBeVisible();
});

test('"Save & test" reports the number of models when the backend answers', async ({
  createDataSourceConfigPage,
  page,
}) => {
  const configPage = await createDataSourceConfigPage({ type: 'modelwatch-mlops-datasource' });
  await page.getByPlaceholder('http://modelwatch:8080').fill('http://modelwatch:8080');
  await page.route('**/modelwatch/healthz', (route) => route.fulfill({ status: 200, json: { status: 'ok' } }));
  await page.route('**/modelwatch/api/v1/models', (route) =>
    route.fulfill({
      status: 200,
      json: { models: [{ name: 'ctr-model', task: 'binary_classification', features: [] }] },
    })
  );
  await configPage.saveAndTest();
  await expect(configPage).toHaveAlert('success', { hasText: /1 model/ });
});

test('"Save & test" explains a rejected token', async ({ createDataSourceConfigPage, page }) => {
  const configPage = await createDataSourceConfigPage({ type: 'modelwatch-mlops-datasource' });
  await page.getByPlaceholder('http://modelwatch:8080').fill('http://modelwatch:8080');
  await page.route('**/modelwatch/healthz', (route) => route.fulfill({ status: 200, json: { status: 'ok' } }));
  await page.route('**/modelwatch/api/v1/models', (route) =>
    route.fulfill({ status: 401, json: { error: { code: 'unauthorized', message: 'invalid token' } } })
  );
  await configPage.saveAndTest();
  await expect(configPage).toHaveAlert('error', { hasText: /rejected the API token/ });
});
