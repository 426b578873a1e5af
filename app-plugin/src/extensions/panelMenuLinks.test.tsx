import React from 'react';
import { render, screen } from '@testing-library/react';
import type { PluginExtensionPanelContext } from '@grafana/data';
import { config } from '@grafana/runtime';
import { setRole } from '../testing/fakeBackend';
import pluginJson from '../plugin.json';

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getTemplateSrv: () => ({ replace: (v: string) => (v === '$model' ? 'ctr-model,search-model' : v) }),
  getBackendSrv: () => ({ fetch: jest.fn() }),
}));

import { PANEL_LINKS, panelMenuLinks } from './panelMenuLinks';
import { modelsOfPanel } from './panelModels';

const DS = { type: 'modelwatch-mlops-datasource', uid: 'mw' };
const context = (targets: object[]) => ({ targets, scopedVars: {} }) as unknown as PluginExtensionPanelContext;

describe('panel menu links', () => {
  it('are declared in plugin.json with the same titles and target', () => {
    expect(pluginJson.extensions.addedLinks.map((l) => [l.title, l.description, l.targets])).toEqual(
      PANEL_LINKS.map((l) => [l.title, l.description, ['grafana/dashboard/panel/menu']])
    );
  });

  it('find the models a panel queries through our datasource only', () => {
    expect(
      modelsOfPanel(
        context([
          { datasource: DS, model: 'a' },
          { datasource: { type: 'prometheus' }, model: 'b' },
          { datasource: DS, model: 'a' },
        ])
      )
    ).toEqual(['a']);
    expect(modelsOfPanel(context([{ datasource: DS, model: '$model' }]))).toEqual(['ctr-model', 'search-model']);
    expect(modelsOfPanel(undefined)).toEqual([]);
  });

  it('show for editors only where the action is allowed, titled with the model', () => {
    const [retrain, rollback] = panelMenuLinks();
    const panel = context([{ datasource: DS, model: 'ctr-model' }]);
    setRole(config, 'Viewer');
    expect(retrain!.configure!(panel)).toBeUndefined();
    setRole(config, 'Editor');
    expect(retrain!.configure!(panel)).toEqual({ title: 'Retrain ctr-model' });
    expect(rollback!.configure!(panel)).toBeUndefined();
    setRole(config, 'Admin');
    expect(rollback!.configure!(panel)).toEqual({ title: 'Roll back ctr-model' });
    expect(rollback!.configure!(context([{ datasource: { type: 'prometheus' } }]))).toBeUndefined();
  });

  it('open a modal with the same confirmation as the app', async () => {
    setRole(config, 'Admin');
    const [, rollback] = panelMenuLinks();
    const openModal = jest.fn();
    rollback!.onClick!(undefined, {
      context: context([{ datasource: DS, model: 'ctr-model' }]),
      openModal,
      extensionPointId: 'x',
    } as never);
    const { title, body: Body } = openModal.mock.calls[0][0];
    expect(title).toBe('Roll back ctr-model');
    render(<Body onDismiss={jest.fn()} />);
    expect(await screen.findByRole('button', { name: 'Roll back ctr-model' }, { timeout: 10000 })).toBeDisabled();
    expect(screen.getByPlaceholderText(/CTR down/)).toBeInTheDocument();
  });
});
