// Display helpers for dates, sizes, durations and counted nouns.

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

/** Formats a count with its noun in singular or plural: "1 message", "2 messages", "0 problems". */
export function formatCount(count: number, singular: string, plural = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : plural}`;
}

/** Formats a duration in whole seconds as "45 s", "3 min 05 s" or "2 h 07 min". */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  if (total < 60) return `${total} s`;
  const minutes = Math.floor(total / 60);
  if (minutes < 60) return `${minutes} min ${String(total % 60).padStart(2, '0')} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/**
 * Bidirectional control characters (U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069). A sender can use
 * them to make "invoice<U+202E>fdp.exe" look like "invoiceexe.pdf" or to reverse an address on screen.
 */
const BIDI_CONTROLS = /[\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Returns text with each bidirectional control character replaced by a visible marker such as "[U+202E]". */
export function showControls(text: string): string {
  return text.replace(BIDI_CONTROLS, (char) => `[U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}]`);
}
