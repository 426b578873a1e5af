// force timezone to UTC to allow tests to work regardless of local timezone
// generally used by snapshots, but can affect specific tests
process.env.TZ = 'UTC';

const base = require('./.config/jest.config');

// The scaffold's transform only matches .js/.ts(x); d3-color ships .mjs, so widen it to .mjs too
// (kept here rather than in .config/ so `create-plugin update` can still manage .config/).
const [swcTransform] = Object.values(base.transform);

module.exports = {
  ...base,
  transform: { '^.+\\.m?(t|j)sx?$': swcTransform },
  // lazy-loading @grafana/ui takes several seconds on small CI machines
  testTimeout: 20000,
};
