import React, { useState } from 'react';
import { Button, Stack } from '@grafana/ui';
import type { ActionType } from '@modelwatch/plugin-api';
import { canRun, currentRole } from '../../utils/roles';
import { ActionDialog } from '../ActionDialog';
import { testIds } from '../testIds';

const BUTTONS: Array<{
  type: ActionType;
  label: string;
  icon: 'arrow-up' | 'history' | 'sync';
  variant: 'primary' | 'destructive' | 'secondary';
}> = [
  { type: 'promote', label: 'Promote', icon: 'arrow-up', variant: 'primary' },
  { type: 'rollback', label: 'Roll back', icon: 'history', variant: 'destructive' },
  { type: 'retrain', label: 'Retrain', icon: 'sync', variant: 'secondary' },
];

/** The actions this user may take on a model; viewers see none. */
export function ActionButtons({ model, size = 'md' }: { model: string; size?: 'sm' | 'md' }) {
  const [open, setOpen] = useState<ActionType | null>(null);
  const role = currentRole();
  const allowed = BUTTONS.filter((b) => canRun(b.type, role));
  if (allowed.length === 0) {
    return null;
  }
  return (
    <>
      <Stack gap={1}>
        {allowed.map((b) => (
          <Button
            key={b.type}
            size={size}
            icon={b.icon}
            variant={b.variant}
            fill="outline"
            data-testid={testIds.actions[b.type]}
            onClick={() => setOpen(b.type)}
          >
            {b.label}
          </Button>
        ))}
      </Stack>
      {open && <ActionDialog type={open} model={model} onClose={() => setOpen(null)} />}
    </>
  );
}
