// Small text helpers shared by the CLI and the renderer.

/** Returns "1 message" or "2 messages"; pass the plural for irregular words. */
export function pluralize(count: number, singular: string, plural = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : plural}`;
}

/** Normalises a SHA-256 fingerprint written with or without colons or spaces, in either case, to lower-case hex. */
export function normalizeFingerprint(fingerprint: string): string {
  return fingerprint.replace(/[\s:]/g, '').toLowerCase();
}

/** Tells whether two fingerprints name the same key, ignoring case, colons and spaces. */
export function fingerprintsMatch(a: string, b: string): boolean {
  return normalizeFingerprint(a) === normalizeFingerprint(b);
}
