export { PolicyEditor } from './PolicyEditor';
export { parseJsonObject } from './parseJson';
