import { lastRange } from './range';

describe('lastRange', () => {
  it('aligns to whole steps of at least a minute', () => {
    const now = Date.parse('2026-01-01T10:00:30Z');
    const hour = lastRange(3_600_000, 60, now);
    expect(hour.step).toBe(60_000);
    expect(hour.to).toBe(Date.parse('2026-01-01T10:01:00Z'));
    expect(hour.to - hour.from).toBe(3_600_000);
    const week = lastRange(7 * 24 * 3_600_000, 60, now);
    expect(week.step).toBe(168 * 60_000);
    expect(week.to % week.step).toBe(0);
  });
});
