import React, { lazy, Suspense } from 'react';
import {
  PluginExtensionPoints,
  type PluginExtensionAddedLinkConfig,
  type PluginExtensionPanelContext,
} from '@grafana/data';
import type { ActionType } from '@modelwatch/plugin-api';
import { LoadingPlaceholder } from '@grafana/ui';
import { ACTION_TITLES } from '../components/ActionForm/describeAction';
import { canRun } from '../utils/roles';
import { modelsOfPanel } from './panelModels';

// module.js loads on every dashboard (for these links); the form and React Query load on click.
const PanelActionModal = lazy(() => import('./PanelActionModal').then((m) => ({ default: m.PanelActionModal })));

/** Titles and descriptions must match plugin.json `extensions.addedLinks` exactly. */
export const PANEL_LINKS: Array<{ type: ActionType; title: string; description: string; icon: 'sync' | 'history' }> = [
  {
    type: 'retrain',
    title: 'Retrain model',
    description: 'Start a ModelWatch retrain job for the model in this panel',
    icon: 'sync',
  },
  {
    type: 'rollback',
    title: 'Roll back model',
    description: 'Return the model in this panel to its previous champion',
    icon: 'history',
  },
];

/**
 * Panel-menu links for panels that query the ModelWatch datasource; hidden from users whose role
 * may not run the action, and from panels without a model.
 */
export function panelMenuLinks(): Array<PluginExtensionAddedLinkConfig<PluginExtensionPanelContext>> {
  return PANEL_LINKS.map((link) => ({
    title: link.title,
    description: link.description,
    targets: [PluginExtensionPoints.DashboardPanelMenu],
    icon: link.icon,
    category: 'ModelWatch',
    configure: (context) => {
      const models = modelsOfPanel(context);
      if (models.length === 0 || !canRun(link.type)) {
        return undefined;
      }
      return models.length === 1 ? { title: `${link.title.replace(' model', '')} ${models[0]}` } : {};
    },
    onClick: (_event, { context, openModal }) => {
      const models = modelsOfPanel(context);
      openModal({
        title: `${ACTION_TITLES[link.type]} ${models.length === 1 ? models[0] : 'model'}`,
        width: 640,
        body: ({ onDismiss }) => (
          <Suspense fallback={<LoadingPlaceholder text="Loading…" />}>
            <PanelActionModal type={link.type} models={models} onDismiss={onDismiss} />
          </Suspense>
        ),
      });
    },
  }));
}
