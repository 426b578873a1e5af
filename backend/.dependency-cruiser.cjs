/**
 * The backend's dependency direction (docs/dev/architecture.md): a folder may import only
 * folders of its own layer or of a layer listed before it. Tests (`*.test.ts`) may import
 * anything; non-test code never imports `testing/`; domain code never imports Express.
 */
const layers = [
  ['core'],
  ['store'],
  ['audit', 'auth'],
  ['models'],
  ['stats'],
  ['monitor'],
  ['training'],
  ['onnx'],
  ['registry'],
  ['serving'],
  ['experiments'],
  ['actions'],
  ['jobs'],
  ['alerts'],
  ['http'],
  ['compose'],
  ['scenarios'],
  ['cli', 'local-stack'],
];
const folders = (list) => `^src/(${list.join('|')})/`;
const test = '\\.test\\.ts$';

const layerRules = layers.slice(0, -1).map((layer, i) => ({
  name: `layer-${layer.join('-')}`,
  comment: `${layer.join(', ')} may not import ${layers.slice(i + 1).flat().join(', ')} (docs/dev/architecture.md)`,
  severity: 'error',
  from: { path: folders(layer), pathNot: test },
  to: { path: folders(layers.slice(i + 1).flat()) },
}));

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'no-circular',
      comment: 'Import cycles hide which module is the lower one; break the cycle with a port (docs/dev/architecture.md).',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-testing-in-production',
      comment: 'testing/ is test tooling; only tests (and bench/) may import it.',
      severity: 'error',
      from: { path: '^src/', pathNot: [test, '^src/testing/'] },
      to: { path: '^src/testing/' },
    },
    {
      name: 'express-only-in-http',
      comment: 'Only http/ knows Express (and multer); domain code is plain functions and classes.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/(http|compose|cli|testing)/', test] },
      to: { path: 'node_modules/(express|multer)/' },
    },
    {
      name: 'no-unknown-folder',
      comment: 'Every source file lives in a layer folder named in .dependency-cruiser.cjs.',
      severity: 'error',
      from: { path: '^src/', pathNot: [folders([...layers.flat(), 'testing'])] },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
