import { config } from '@grafana/runtime';
import { canRun, currentRole, hasRole } from './roles';

function setUser(orgRole: string, isGrafanaAdmin = false) {
  (config as unknown as { bootData: { user: object } }).bootData = { user: { orgRole, isGrafanaAdmin } };
}

describe('roles', () => {
  it('reads the org role only, as the plugin proxy checks reqRole (a server admin who is an org Editor is an Editor)', () => {
    setUser('Viewer');
    expect(currentRole()).toBe('Viewer');
    setUser('Editor', true);
    expect(currentRole()).toBe('Editor');
    expect(canRun('rollback')).toBe(false);
    setUser('Admin');
    expect(currentRole()).toBe('Admin');
    setUser('');
    expect(currentRole()).toBe('Viewer');
  });

  it('lets editors retrain and only admins promote or roll back', () => {
    expect(canRun('retrain', 'Viewer')).toBe(false);
    expect(canRun('retrain', 'Editor')).toBe(true);
    expect(canRun('promote', 'Editor')).toBe(false);
    expect(canRun('rollback', 'Admin')).toBe(true);
    expect(hasRole('Editor', 'Admin')).toBe(true);
  });
});
