/** Formatting shared by pages; all return a readable string for missing values too. */

export function percent(value: number | null | undefined, digits = 1): string {
  return value === null || value === undefined || Number.isNaN(value) ? '–' : `${(value * 100).toFixed(digits)}%`;
}

export function signedPercent(value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined || Number.isNaN(value)) {
    return '–';
  }
  return `${value > 0 ? '+' : ''}${(value * 100).toFixed(digits)}%`;
}

export function decimal(value: number | null | undefined, digits = 3): string {
  return value === null || value === undefined || Number.isNaN(value) ? '–' : value.toFixed(digits);
}

/** p-values: small ones in scientific notation, so 1e-12 does not read as 0. */
export function pValue(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) {
    return '–';
  }
  return value < 0.001 ? value.toExponential(1) : value.toFixed(3);
}

export function dateTimeText(iso?: string | null): string {
  if (!iso) {
    return '–';
  }
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

export function timeAgo(iso: string | null | undefined, now = Date.now()): string {
  const ms = iso ? Date.parse(iso) : NaN;
  if (Number.isNaN(ms)) {
    return '–';
  }
  const seconds = Math.max(0, Math.round((now - ms) / 1000));
  if (seconds < 60) {
    return `${seconds}s ago`;
  }
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) {
    return `${minutes}m ago`;
  }
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours}h ago` : `${Math.round(hours / 24)}d ago`;
}
