import React from 'react';
import { Modal } from '@grafana/ui';
import { ActionForm, ACTION_TITLES, type ActionFormProps } from '../ActionForm';

/** ActionForm in a modal, for the app's pages. */
export function ActionDialog(props: ActionFormProps) {
  return (
    <Modal title={`${ACTION_TITLES[props.type]} ${props.model}`} isOpen onDismiss={props.onClose}>
      <ActionForm {...props} />
    </Modal>
  );
}
