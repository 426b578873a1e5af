export { ActionForm, type ActionFormProps } from './ActionForm';
export { ACTION_TITLES, describeAction } from './describeAction';
