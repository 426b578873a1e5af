import { expect, test } from './fixtures';

// Backend replies are stubbed at the browser (the plugin proxy path), so no backend is needed.
const read = '**/api/plugin-proxy/modelwatch-mlops-app/read/api/v1';

test('models page lists models with health and aliases', async ({ gotoPage, page }) => {
  await page.route(`${read}/models`, (route) =>
    route.fulfill({ json: { models: [{ name: 'ctr-model', task: 'binary_classification', features: [] }] } })
  );
  await page.route(`${read}/models/ctr-model/health`, (route) =>
    route.fulfill({ json: { score: 0.5, status: 'degraded', reasons: ['CTR 16% below baseline'] } })
  );
  await page.route(`${read}/models/ctr-model/aliases`, (route) =>
    route.fulfill({ json: { champion: 'v2', challenger: null } })
  );
  await gotoPage('/models');
  await expect(page.getByRole('link', { name: 'ctr-model' })).toBeVisible();
  await expect(page.getByText('Degraded · 50%')).toBeVisible();
  await expect(page.getByText('champion v2')).toBeVisible();
});

test('jobs page shows progress', async ({ gotoPage, page }) => {
  await page.route(`${read}/jobs`, (route) =>
    route.fulfill({ json: { jobs: [{ id: 'j1', model: 'ctr-model', status: 'running', progress: 0.3 }] } })
  );
  await gotoPage('/jobs');
  await expect(page.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '30');
});
