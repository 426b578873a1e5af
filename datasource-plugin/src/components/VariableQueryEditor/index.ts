export { VariableQueryEditor } from './VariableQueryEditor';
