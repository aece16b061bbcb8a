// Number, size and date formatting shared by the pages.
const compact = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 });
const whole = new Intl.NumberFormat('en');

export function formatCount(n: number): string {
  return n < 10_000 ? whole.format(n) : compact.format(n);
}

export function formatExactCount(n: number): string {
  return whole.format(n);
}

const plurals = new Intl.PluralRules('en');

/** "1 package", "2 packages": `n` as `format` writes it, and the noun that agrees with it
 * (every noun the UI counts takes its plural with "s"). */
export function formatQuantity(n: number, noun: string, format = formatExactCount): string {
  return `${format(n)} ${noun}${plurals.select(n) === 'one' ? '' : 's'}`;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '' : date.toISOString().slice(0, 10);
}

export function titleCase(value: string): string {
  return value.charAt(0).toUpperCase() + value.slice(1).toLowerCase().replace(/_/g, ' ');
}
