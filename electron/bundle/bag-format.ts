// Member names and text formats of a Mailcase bundle: a BagIt 1.0 bag (RFC 8493) under bag/ plus a
// signature/ folder. Export and verification both use these, so the two cannot drift apart.

/** Zip member names of the tag files, the payload folder and the signature files. */
export const BUNDLE_PATHS = {
  bagRoot: 'bag/',
  bagit: 'bag/bagit.txt',
  bagInfo: 'bag/bag-info.txt',
  manifest: 'bag/manifest-sha256.txt',
  manifestSha512: 'bag/manifest-sha512.txt',
  tagManifest: 'bag/tagmanifest-sha256.txt',
  tagManifestSha512: 'bag/tagmanifest-sha512.txt',
  payloadRoot: 'bag/data/',
  messagesRoot: 'bag/data/messages/',
  signature: 'signature/tagmanifest-sha256.txt.sig',
  publicKey: 'signature/public-key.pem',
  fingerprint: 'signature/fingerprint.txt',
  timestamp: 'signature/tagmanifest-sha256.txt.tsr',
} as const;

/** Payload paths relative to the bag root, as they appear in manifest-sha256.txt. */
export const PAYLOAD_PATHS = {
  custodyLog: 'data/custody/custody-log.jsonl',
  transcriptsRoot: 'data/custody/transcripts/',
  rulesRoot: 'data/rules/',
  review: 'data/review/review-states.json',
  report: 'data/report.html',
  loadFileCsv: 'data/loadfile.csv',
  loadFileJson: 'data/loadfile.json',
  mbox: 'data/messages.mbox',
} as const;

/** Tag files that both tag manifests must list, relative to the bag root. */
export const SIGNED_TAG_FILES = ['bag-info.txt', 'bagit.txt', 'manifest-sha256.txt', 'manifest-sha512.txt'] as const;

/** bag-info.txt label naming the time-stamping authority asked for a token, so a removed token is noticed. */
export const TIMESTAMP_AUTHORITY_LABEL = 'Timestamp-Authority';

/** Checksum algorithms of the manifests, with the length of their hex digests. */
export const MANIFEST_ALGORITHMS = { sha256: 64, sha512: 128 } as const;

export type ManifestAlgorithm = keyof typeof MANIFEST_ALGORITHMS;

/** The bag declaration (RFC 8493 section 2.1.1). Mailcase writes and accepts only this exact text. */
export const BAGIT_TXT = 'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n';

/** Size of a raw Ed25519 signature in octets (RFC 8032 section 5.1.6). */
export const ED25519_SIGNATURE_OCTETS = 64;

export interface ManifestEntry {
  /** Path relative to the bag root, e.g. "data/messages/<sha256>.eml". */
  path: string;
  sha256: string;
  /** SHA-512 of the file; manifests of that algorithm need it. */
  sha512?: string;
}

export interface ParsedManifestEntry {
  path: string;
  /** Checksum in lower-case hex. */
  checksum: string;
  /** 1-based line number in the manifest. */
  line: number;
}

export interface ParsedManifest {
  entries: ParsedManifestEntry[];
  /** 1-based numbers of lines that are not "<checksum> <path>". */
  malformedLines: number[];
}

/** Returns the manifest path of a message: data/messages/<sha256>.eml. */
export function messagePayloadPath(sha256: string): string {
  return `data/messages/${sha256}.eml`;
}

/** Compares strings by UTF-16 code units, the order used for zip members and manifest lines. */
export function compareCodeUnits(a: string, b: string): number {
  if (a < b) return -1;
  return a > b ? 1 : 0;
}

/**
 * Formats a BagIt manifest: "<checksum>  <path>\n" per entry, sorted by path. Throws when an entry lacks
 * the checksum of `algorithm`, which is a programming error.
 */
export function formatManifest(entries: readonly ManifestEntry[], algorithm: ManifestAlgorithm = 'sha256'): string {
  const sorted = [...entries].sort((a, b) => compareCodeUnits(a.path, b.path));
  return sorted
    .map((entry) => {
      const checksum = entry[algorithm];
      if (checksum === undefined) throw new Error(`Manifest entry ${entry.path} has no ${algorithm}`);
      return `${checksum}  ${encodeManifestPath(entry.path)}\n`;
    })
    .join('');
}

/**
 * Parses a manifest of `algorithm`. RFC 8493 section 2.1.3 separates checksum and path by one or more
 * spaces or tabs, and percent-encodes CR, LF and % inside paths. Hex digits are returned in lower case.
 */
export function parseManifest(text: string, algorithm: ManifestAlgorithm = 'sha256'): ParsedManifest {
  const entries: ParsedManifestEntry[] = [];
  const malformedLines: number[] = [];
  const linePattern = new RegExp(`^([0-9a-fA-F]{${MANIFEST_ALGORITHMS[algorithm]}})[ \\t]+(\\S.*)$`);

  splitLines(text).forEach((line, index) => {
    const match = linePattern.exec(line);
    if (!match?.[1] || !match[2]) {
      malformedLines.push(index + 1);
      return;
    }
    entries.push({ checksum: match[1].toLowerCase(), path: decodeManifestPath(match[2]), line: index + 1 });
  });
  return { entries, malformedLines };
}

/** Formats bag-info.txt from label and value pairs, one "Label: value" line each. */
export function formatBagInfo(fields: readonly (readonly [string, string])[]): string {
  return fields.map(([label, value]) => `${label}: ${value.replace(/[\r\n]+/g, ' ')}\n`).join('');
}

/**
 * Parses bag-info.txt into values by label. A line that starts with a space or tab continues the value
 * above it (RFC 8493 section 2.2.2). Returns null when a line is neither a label line nor a continuation.
 */
export function parseBagInfo(text: string): Map<string, string[]> | null {
  const fields = new Map<string, string[]>();
  let lastValues: string[] | null = null;

  for (const line of splitLines(text)) {
    if (/^[ \t]/.test(line) && lastValues && lastValues.length > 0) {
      const index = lastValues.length - 1;
      lastValues[index] = `${lastValues[index] ?? ''} ${line.trim()}`;
      continue;
    }

    const match = /^([^:\s][^:]*):[ \t]*(.*)$/.exec(line);
    if (!match?.[1]) return null;
    const label = match[1].trim();
    const values = fields.get(label) ?? [];
    values.push((match[2] ?? '').trim());
    fields.set(label, values);
    lastValues = values;
  }
  return fields;
}

/** Formats a Payload-Oxum value: total payload octets, a dot, then the number of payload files. */
export function formatPayloadOxum(octets: number, fileCount: number): string {
  return `${octets}.${fileCount}`;
}

/** Splits text on CRLF, CR or LF, which RFC 8493 all allow, dropping the empty string after a final break. */
function splitLines(text: string): string[] {
  const lines = text.split(/\r\n|\r|\n/);
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

function encodeManifestPath(manifestPath: string): string {
  return manifestPath.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function decodeManifestPath(manifestPath: string): string {
  return manifestPath.replace(/%0D/gi, '\r').replace(/%0A/gi, '\n').replace(/%25/g, '%');
}
