/**
 * A/A simulation: both arms share one conversion rate, so every "significant" result is a
 * false positive. Each simulated experiment is looked at once a minute; stopping at the first
 * significant look is the peeking that inflates fixed-horizon p-values, while the always-valid
 * (sequential) p-values keep the false-positive rate at most alpha.
 *
 * Traffic is simulated per visitor (Bernoulli arm and Bernoulli conversion) but only the
 * per-arm summary statistics are kept and updated.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { abtest } from './abtest.ts';
import { srm } from './srm.ts';

const EXPERIMENTS = 1000;
const LOOKS = 100; // one per simulated minute
const VISITORS_PER_MINUTE = 200;
const RATE = 0.1;
const ALPHA = 0.05;

/** sfc32: small, fast, seedable PRNG → uniform [0, 1). */
function sfc32(a: number, b: number, c: number, d: number): () => number {
  return () => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

test('A/A: peeking inflates fixed-horizon false positives; sequential stays ≤ alpha', () => {
  const random = sfc32(0x9e3779b9, 0x243f6a88, 0xb7e15162, 20240607);
  let fixedAnyLook = 0;
  let fixedFinalLook = 0;
  let sequentialAnyLook = 0;
  let srmAlarms = 0;
  for (let e = 0; e < EXPERIMENTS; e++) {
    const control = { n: 0, sum: 0 };
    const treatment = { n: 0, sum: 0 };
    let fixedHit = false;
    let sequentialHit = false;
    let fixedLast = false;
    for (let look = 0; look < LOOKS; look++) {
      for (let v = 0; v < VISITORS_PER_MINUTE; v++) {
        const arm = random() < 0.5 ? control : treatment;
        arm.n += 1;
        if (random() < RATE) arm.sum += 1;
      }
      const input = { metric: 'proportion' as const, control, treatment, alpha: ALPHA, difference: 'absolute' as const };
      fixedLast = abtest(input).significant;
      fixedHit ||= fixedLast;
      if (!sequentialHit) sequentialHit = abtest({ ...input, sequential: { tuning: 5000 } }).significant;
    }
    if (fixedHit) fixedAnyLook++;
    if (fixedLast) fixedFinalLook++;
    if (sequentialHit) sequentialAnyLook++;
    if (srm({ counts: [control.n, treatment.n], weights: [1, 1] }).mismatch) srmAlarms++;
  }
  const rate = (k: number) => k / EXPERIMENTS;
  console.log(
    `A/A, ${EXPERIMENTS} experiments × ${LOOKS} looks (${VISITORS_PER_MINUTE} visitors/min, p = ${RATE}, alpha = ${ALPHA}): ` +
      `fixed-horizon with peeking ${rate(fixedAnyLook)}, fixed-horizon final look only ${rate(fixedFinalLook)}, ` +
      `sequential with peeking ${rate(sequentialAnyLook)}, SRM alarms ${rate(srmAlarms)}`,
  );
  assert.ok(rate(sequentialAnyLook) <= ALPHA, `sequential false-positive rate ${rate(sequentialAnyLook)}`);
  assert.ok(rate(fixedAnyLook) > 3 * ALPHA, `fixed-horizon with peeking ${rate(fixedAnyLook)} should inflate`);
  assert.ok(Math.abs(rate(fixedFinalLook) - ALPHA) < 0.025, `a single look stays near alpha: ${rate(fixedFinalLook)}`);
  assert.ok(rate(srmAlarms) <= 0.01);
});
