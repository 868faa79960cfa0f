// Display helpers for dates and sizes.

const SIZE_UNITS = ['bytes', 'KB', 'MB', 'GB'];

/** Formats an octet count with binary units, keeping exact bytes below 1 KB. */
export function formatSize(octets: number): string {
  let value = octets;
  let unit = 0;
  while (value >= 1024 && unit < SIZE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${octets} bytes` : `${value.toFixed(1)} ${SIZE_UNITS[unit] ?? ''}`;
}

/** Formats a UTC ISO timestamp as "YYYY-MM-DD HH:MM UTC". Dates stay in UTC so every reviewer reads the same value. */
export function formatDate(iso: string | null): string {
  if (!iso) return '(no date)';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
