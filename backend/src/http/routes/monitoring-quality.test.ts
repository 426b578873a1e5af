/**
 * Online quality end to end over HTTP (issue 19): predictions with scores, labelled outcomes
 * (some late, some relabelled, some missing) → the quality KPIs of GET /kpis, the bins of
 * GET /calibration and the modelwatch_quality gauges match an independent computation on the raw rows: exact for the
 * confusion-matrix KPIs at bin-edge thresholds, label coverage and delay; within the binning
 * bounds stats/binned-quality.ts states for AUC and log loss.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { normal, rng } from '../../monitor/testdata/random.ts';
import { aucBinningBound, logLossBinningBound } from '../../stats/binned-quality.ts';
import { testDialects } from '../../testing/databases.ts';
import { startTestServer, type TestServer } from '../../testing/test-server.ts';

const M = 60_000;
const N = 600;

interface Row {
  id: string;
  ts: number;
  score: number;
  /** Final label; null when never labelled. */
  label: 0 | 1 | null;
  delayMs: number;
}

function rows(start: number): Row[] {
  const u = rng(19);
  const z = normal(u);
  return Array.from({ length: N }, (_, i) => {
    const y = u() < 0.4 ? 1 : 0;
    const score = Math.min(0.979, Math.max(0.021, (y ? 0.62 : 0.38) + 0.18 * z()));
    return { id: `q-${i}`, ts: start + Math.floor(i / 60) * M + (i % 60) * 500, score, label: i % 10 === 9 ? null : y, delayMs: (i % 7) * 20_000 };
  });
}

/** The KPIs computed from the raw rows, the textbook way. */
function oracle(data: Row[], threshold: number) {
  const labelled = data.filter((r) => r.label !== null);
  let tp = 0, fp = 0, tn = 0, fn = 0, ll = 0, pairs = 0, wins = 0;
  for (const r of labelled) {
    const predicted = r.score >= threshold;
    if (r.label === 1 && predicted) tp++;
    else if (r.label === 1) fn++;
    else if (predicted) fp++;
    else tn++;
    ll -= r.label === 1 ? Math.log(r.score) : Math.log(1 - r.score);
  }
  const pos = labelled.filter((r) => r.label === 1);
  const neg = labelled.filter((r) => r.label === 0);
  for (const p of pos) for (const q of neg) {
    pairs++;
    wins += p.score > q.score ? 1 : p.score === q.score ? 0.5 : 0;
  }
  // This test's own 50-bin histograms, for the stated bounds.
  const hist = (list: Row[]) => {
    const h = new Float64Array(50);
    for (const r of list) h[Math.min(49, Math.floor(r.score * 50))]!++;
    return h;
  };
  const hp = hist(pos);
  const hn = hist(neg);
  return {
    accuracy: (tp + tn) / labelled.length,
    precision: tp / (tp + fp),
    recall: tp / (tp + fn),
    f1: (2 * tp) / (2 * tp + fp + fn),
    counts: { accuracy: [tp + tn, labelled.length], precision: [tp, tp + fp], recall: [tp, tp + fn] },
    auc: wins / pairs,
    aucBound: aucBinningBound(hp, hn)!,
    logLoss: ll / labelled.length,
    logLossBound: logLossBinningBound(hp, hn)!,
    coverage: labelled.length / data.length,
    delayMean: labelled.reduce((s, r) => s + r.delayMs, 0) / labelled.length,
  };
}

for (const dialect of testDialects()) {
  describe(`online quality end to end on ${dialect}`, () => {
    let server: TestServer;
    const now = Date.now();
    const start = Math.floor((now - 50 * M) / (10 * M)) * 10 * M;
    const data = rows(start);
    before(async () => {
      server = await startTestServer(dialect);
      const created = await server.request('POST', '/api/v1/models', { body: { name: 'risk', features: [{ name: 'x', type: 'numeric' }] } });
      assert.equal(created.status, 201, created.text);
    });
    after(() => server.close());

    test('quality KPIs and gauges from labelled outcomes', async () => {
      const predictions = data.map((r) => ({ id: r.id, ts: r.ts, version: 'v1', features: { x: r.score }, score: r.score }));
      // Unlabelled traffic in the quality reference window (3 h ago) with lower scores: the
      // last hour's scores drifted from it (score drift), and its quality is unknown.
      const older = Array.from({ length: 400 }, (_, i) => ({ id: `r-${i}`, ts: start - 3 * 60 * M + i * 1000, version: 'v1', features: { x: 0 }, score: 0.05 + (i % 25) / 100 }));
      const ingested = await server.request('POST', '/api/v1/models/risk/predictions', { body: { records: [...predictions, ...older] } });
      assert.equal(ingested.body.accepted, N + 400, ingested.text);
      // First labels: 30 of the final positives are sent as negatives first, then corrected
      // after a flush (the correction moves them between the histograms in the stored row).
      const labelled = data.filter((r) => r.label !== null);
      const flipped = new Set(labelled.filter((r) => r.label === 1).slice(0, 30).map((r) => r.id));
      const first = labelled.map((r) => ({ id: r.id, ts: r.ts + r.delayMs, label: flipped.has(r.id) ? false : r.label === 1 }));
      const sent = await server.request('POST', '/api/v1/models/risk/outcomes', { body: { records: first } });
      assert.equal(sent.body.accepted, labelled.length, sent.text);
      await server.ctx.monitor.flush();
      const fix = [...flipped].map((id) => ({ id, ts: now - M, label: true }));
      assert.equal((await server.request('POST', '/api/v1/models/risk/outcomes', { body: { records: fix } })).body.accepted, 30);

      const kpiList = 'accuracy,precision,recall,f1,auc,log_loss,calibration_error,label_coverage,label_delay_mean';
      const query = (extra = '') => server.request('GET', `/api/v1/models/risk/kpis?from=${start}&to=${start + 10 * M}&step=10m&kpi=${kpiList}${extra}`);
      for (const phase of ['unflushed', 'flushed']) {
        if (phase === 'flushed') await server.ctx.monitor.flush();
        const res = await query();
        assert.equal(res.status, 200, res.text);
        const get = (kpi: string) => res.body.series.find((s: { kpi: string }) => s.kpi === kpi);
        const value = (kpi: string): number => get(kpi).points[0][1];
        const o = oracle(data, 0.5);
        assert.equal(value('accuracy'), o.accuracy, phase);
        assert.deepEqual(get('accuracy').counts, [o.counts.accuracy]);
        assert.deepEqual(get('precision').counts, [o.counts.precision]);
        assert.deepEqual(get('recall').counts, [o.counts.recall]);
        assert.ok(Math.abs(value('f1') - o.f1) < 1e-12);
        assert.ok(Math.abs(value('auc') - o.auc) <= o.aucBound, `auc ${value('auc')} vs ${o.auc} ± ${o.aucBound}`);
        assert.ok(Number.isFinite(o.logLossBound) && Math.abs(value('log_loss') - o.logLoss) <= o.logLossBound, `log loss ${value('log_loss')} vs ${o.logLoss} ± ${o.logLossBound}`);
        assert.ok(value('calibration_error') >= 0 && value('calibration_error') < 0.5);
        assert.equal(value('label_coverage'), o.coverage);
        // The corrections are not first labels: they add no delay.
        assert.ok(Math.abs(value('label_delay_mean') - o.delayMean) < 1e-9);
      }

      // Hour rollups (whole hours inside an hourly window) carry the label histograms too.
      const hourly = await server.request('GET', `/api/v1/models/risk/kpis?from=${now - 5 * 60 * M}&to=${now}&step=1h&kpi=accuracy&by=version`);
      const counted = hourly.body.series[0].counts.reduce((sum: number, c: [number, number]) => sum + c[1], 0);
      assert.equal(counted, data.filter((r) => r.label !== null).length);

      // Calibration per bin: counts and observed rates exactly those of the raw rows' bins.
      const cal = await server.request('GET', `/api/v1/models/risk/calibration?from=${start}&to=${start + 10 * M}`);
      assert.equal(cal.status, 200, cal.text);
      const { bins, labelled: inBins } = cal.body.series[0];
      assert.equal(bins.length, 50);
      assert.equal(inBins, data.filter((r) => r.label !== null).length);
      for (let b = 0; b < 50; b++) {
        const rowsIn = data.filter((r) => r.label !== null && Math.min(49, Math.floor(r.score * 50)) === b);
        assert.equal(bins[b].count, rowsIn.length, `bin ${b}`);
        const observed = rowsIn.length ? rowsIn.filter((r) => r.label === 1).length / rowsIn.length : null;
        assert.equal(bins[b].observed, observed, `bin ${b}`);
        assert.ok(Math.abs(bins[b].expected - (b + 0.5) / 50) < 1e-12);
      }
      assert.equal((await server.request('GET', '/api/v1/models/risk/calibration?from=banana')).status, 400);

      // Score drift as a query: this window against the 24 h before it (holding the older traffic).
      const sd = await server.request('GET', `/api/v1/models/risk/score-drift?from=${start}&to=${start + 10 * M}`);
      assert.equal(sd.status, 200, sd.text);
      assert.equal(sd.body.reference.to, start);
      const drift = sd.body.series[0].drift;
      assert.deepEqual(drift.n, { reference: 400, current: N });
      assert.ok(drift.drifted && drift.psi > 0.2 && drift.ksPValue < 1e-6, JSON.stringify(drift));
      const lowBins = sd.body.series[0].histogram.reference.slice(0, 3).reduce((a: number, b: number) => a + b, 0);
      assert.equal(lowBins, 400, 'the older scores (0.05–0.29) fill the first three bins');
      // Against itself: no drift.
      const same = await server.request('GET', `/api/v1/models/risk/score-drift?from=${start}&to=${start + 10 * M}&referenceFrom=${start}&referenceTo=${start + 10 * M}`);
      assert.equal(same.body.series[0].drift.psi, 0);
      assert.equal(same.body.series[0].drift.drifted, false);
      const backwards = await server.request('GET', `/api/v1/models/risk/score-drift?referenceFrom=${start}&referenceTo=${start - M}`);
      assert.equal(backwards.status, 400);
      assert.match(backwards.text, /referenceFrom/);

      // Another threshold (a bin edge): still exact.
      const at03 = await query('&threshold=0.3');
      const o3 = oracle(data, 0.3);
      const recall = at03.body.series.find((s: { kpi: string }) => s.kpi === 'recall');
      assert.deepEqual(recall.counts, [o3.counts.recall]);
      const bad = await query('&threshold=2');
      assert.equal(bad.status, 400);
      assert.match(bad.text, /threshold/);
      // The version's threshold from the model settings (monitor/quality-settings.ts), when the query names none.
      const set = await server.request('PUT', '/api/v1/models/risk/settings', { body: { settings: { quality: { threshold: 0.7, versions: { v1: { threshold: 0.3 } } } } } });
      assert.equal(set.status, 200, set.text);
      server.ctx.monitor.invalidateModel('risk'); // the model cache holds settings for 10 s
      const byVersion = await query();
      assert.deepEqual(byVersion.body.series.find((x: { kpi: string }) => x.kpi === 'recall').counts, [o3.counts.recall]);
      const merged = await query('&by=arm');
      assert.deepEqual(merged.body.series.find((x: { kpi: string }) => x.kpi === 'recall').counts, [oracle(data, 0.7).counts.recall], 'merged versions: the model threshold');

      // Gauges: the last hour holds the whole window.
      const metrics = await server.request('GET', '/metrics');
      const o = oracle(data, 0.5);
      const gauge = (kpi: string): number => {
        const m = new RegExp(`modelwatch_quality\\{model="risk",version="v1",arm="default",kpi="${kpi}"\\} (\\S+)`).exec(metrics.text);
        assert.ok(m, `gauge ${kpi} in /metrics`);
        return Number(m[1]);
      };
      // At v1's threshold from the settings (0.3).
      assert.ok(Math.abs(gauge('accuracy') - oracle(data, 0.3).accuracy) < 1e-9);
      assert.ok(Math.abs(gauge('auc') - o.auc) <= o.aucBound);
      assert.ok(Math.abs(gauge('label_delay_seconds') - o.delayMean / 1000) < 1e-9);
      assert.match(metrics.text, new RegExp(`modelwatch_quality_labelled\\{model="risk",version="v1",arm="default",window="last_hour"\\} ${data.filter((r) => r.label !== null).length}`));
      assert.match(metrics.text, /modelwatch_quality_labelled\{model="risk",version="v1",arm="default",window="reference"\} 0/);
      // No labels in the reference window: coverage 0, no reference AUC, no drop.
      assert.match(metrics.text, /modelwatch_quality_reference\{model="risk",version="v1",arm="default",kpi="label_coverage"\} 0\n/);
      assert.ok(!/modelwatch_quality_reference\{[^}]*kpi="auc"\}/.test(metrics.text), 'no reference AUC');
      assert.ok(!/modelwatch_quality_drop\{/.test(metrics.text), 'no drop without a reference');
      // Score drift: the last hour (scores around 0.4–0.6) against the reference (0.05–0.29).
      assert.match(metrics.text, /modelwatch_score_drifted\{model="risk",version="v1",arm="default"\} 1/);
      assert.match(metrics.text, new RegExp(`modelwatch_score_drift_predictions\\{model="risk",version="v1",arm="default",window="last_hour"\\} ${N}`));
      assert.match(metrics.text, /modelwatch_score_drift_predictions\{model="risk",version="v1",arm="default",window="reference"\} 400/);
      const psi = Number(/modelwatch_score_drift\{model="risk",version="v1",arm="default",method="psi"\} (\S+)/.exec(metrics.text)?.[1]);
      assert.ok(psi > 0.2, `psi ${psi}`);
    });
  });
}
