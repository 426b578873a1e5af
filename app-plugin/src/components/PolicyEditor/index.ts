export { PolicyEditor, editable } from './PolicyEditor';
export { parseJsonObject } from './parseJson';
