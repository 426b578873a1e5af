import { formatMs, formatNumber, formatPercent, type KpiSample, type StoryEvent, type SummaryRow } from './timeline.ts';
import { maxOf } from '../../core/arrays.ts';

export interface ViewState {
  act: 1 | 2;
  simTime: number;
  progress: number;
  latest: KpiSample | undefined;
  job: { progress: number; message: string } | undefined;
  events: StoryEvent[];
}

const bar = (fraction: number, width = 30): string => {
  const filled = Math.round(Math.max(0, Math.min(1, fraction)) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}%`;
};

/**
 * The live terminal view. On a TTY it redraws in place; otherwise (CI, pipes) it prints
 * each new event as a line so logs stay readable.
 */
export class TerminalView {
  private printed = 0;
  private readonly tty: boolean;
  private readonly out: NodeJS.WriteStream;

  constructor(out: NodeJS.WriteStream = process.stdout) {
    this.out = out;
    this.tty = Boolean(out.isTTY) && process.env.CI !== 'true';
  }

  render(state: ViewState): void {
    if (!this.tty) {
      for (const event of state.events.slice(this.printed)) {
        this.out.write(`${new Date(event.ts).toISOString().slice(11, 16)}  act ${event.act}  ${event.kind.padEnd(10)} ${event.message}\n`);
      }
      this.printed = state.events.length;
      return;
    }
    const k = state.latest;
    const lines = [
      `ModelWatch demo — act ${state.act}   simulated time ${new Date(state.simTime).toISOString().slice(11, 16)}`,
      `story   ${bar(state.progress)}`,
      state.job ? `retrain ${bar(state.job.progress)} ${state.job.message}` : 'retrain —',
      '',
      `champion ${k?.champion ?? '—'}   CTR ${formatPercent(k?.ctr ?? null)}   CVR ${formatPercent(k?.cvr ?? null)}   AUC ${formatNumber(k?.auc ?? null, 3)}   p99 ${formatMs(k?.p99Ms ?? null)}   drift share ${formatNumber(k?.driftShare ?? null)}`,
      '',
      'timeline:',
      ...state.events.slice(-14).map((e) => `  ${new Date(e.ts).toISOString().slice(11, 16)}  ${e.kind.padEnd(10)} ${e.message}`),
    ];
    this.out.write(`\x1b[H\x1b[2J${lines.join('\n')}\n`);
  }

  summary(rows: SummaryRow[]): string {
    const header = ['phase', 'CTR', 'true CTR', 'CVR', 'AUC (labels)', 'p99 latency', 'drift share', 'champion'];
    const body = rows.map((r) => [r.phase, formatPercent(r.ctr), formatPercent(r.trueCtr), formatPercent(r.cvr), formatNumber(r.auc, 3), formatMs(r.p99Ms), formatNumber(r.driftShare), r.champion]);
    const widths = header.map((h, i) => maxOf(body.map((row) => row[i]!.length), h.length));
    const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
    return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
  }
}
