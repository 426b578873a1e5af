import { expect, test } from './fixtures';

// Runs against a Grafana with the plugin installed (docker compose at the repository root).

test('configuration page saves the backend URL and token', async ({ appConfigPage, page }) => {
  await page.getByPlaceholder('http://modelwatch:8080').fill('http://modelwatch:8080');
  const reset = page.getByRole('button', { name: /reset/i }).first();
  if (await reset.isVisible()) {
    await reset.click();
  }
  await page.locator('#mw-app-apiToken').fill('mw_e2e_token');
  const saved = appConfigPage.waitForSettingsResponse();
  await page.getByRole('button', { name: /Save settings/i }).click();
  await expect(saved).toBeOK();
});
