import { dateTimeText, decimal, percent, pValue, signedPercent, timeAgo } from './format';

describe('format', () => {
  it('formats rates, effects and p-values, with a dash for missing values', () => {
    expect(percent(0.0512)).toBe('5.1%');
    expect(percent(null)).toBe('–');
    expect(signedPercent(0.1)).toBe('+10.0%');
    expect(signedPercent(-0.025)).toBe('-2.5%');
    expect(decimal(0.12345)).toBe('0.123');
    expect(pValue(0.0000123)).toBe('1.2e-5');
    expect(pValue(0.04)).toBe('0.040');
    expect(pValue(undefined)).toBe('–');
  });

  it('formats times', () => {
    expect(dateTimeText('2026-01-02T03:04:05.000Z')).toBe('2026-01-02 03:04:05');
    const now = Date.parse('2026-01-02T03:00:00Z');
    expect(timeAgo('2026-01-02T02:59:30Z', now)).toBe('30s ago');
    expect(timeAgo('2026-01-02T01:00:00Z', now)).toBe('2h ago');
    expect(timeAgo('2025-12-30T03:00:00Z', now)).toBe('3d ago');
    expect(timeAgo(null, now)).toBe('–');
  });
});
