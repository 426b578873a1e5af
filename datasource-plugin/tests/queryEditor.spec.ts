import { expect, test } from '@grafana/plugin-e2e';

test('query editor offers the ModelWatch query types', async ({ createDataSource, panelEditPage, page }) => {
  const ds = await createDataSource({ type: 'modelwatch-mlops-datasource', name: `ModelWatch e2e ${Date.now()}` });
  await page.route('**/modelwatch/api/v1/models', (route) => route.fulfill({ status: 200, json: { models: [] } }));
  await panelEditPage.datasource.set(ds.name);
  const row = panelEditPage.getQueryEditorRow('A');
  for (const label of ['KPI', 'Drift', 'Experiment', 'Health', 'Jobs', 'Audit']) {
    await expect(row.getByLabel(label, { exact: true })).toBeVisible();
  }
});
