// A small container for the binary index files: a JSON header line that names and sizes each section, then the
// sections, each starting at a multiple of 8 bytes so typed arrays can view them in place without copying.
import { endianness } from 'node:os';

/** Alignment of every section, enough for 64-bit floats. */
const SECTION_ALIGNMENT = 8;

const NEWLINE = 0x0a;

/** Byte order the typed arrays of this machine use; a file written in the other order is rejected on load. */
export const NATIVE_BYTE_ORDER = endianness();

/** A section's bytes: a Buffer, or a typed array whose memory is written as it is. */
export type SectionData = Buffer | Uint8Array | Uint16Array | Uint32Array | Int32Array | Float64Array;

interface SectionEntry {
  name: string;
  bytes: number;
}

/** Thrown when a file is not a complete container of the expected format. */
export class DamagedSectionsError extends Error {}

/**
 * Packs a header and named sections into one buffer. The header must be plain JSON data. `format` and `byteOrder`
 * are added to it, so a loader can tell the file from other formats and from another machine's byte order.
 */
export function packSections(format: string, header: Record<string, unknown>, sections: Record<string, SectionData>): Buffer {
  const entries: SectionEntry[] = Object.entries(sections).map(([name, data]) => ({ name, bytes: data.byteLength }));
  const headerText = `${JSON.stringify({ ...header, format, byteOrder: NATIVE_BYTE_ORDER, sections: entries })}\n`;
  const headerBytes = Buffer.from(headerText, 'utf8');

  const parts: Buffer[] = [headerBytes, padding(headerBytes.length)];
  for (const data of Object.values(sections)) {
    parts.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength), padding(data.byteLength));
  }
  return Buffer.concat(parts);
}

/** The header and sections of a packed buffer; each section is a Buffer viewing the file's memory. */
export interface UnpackedSections {
  header: Record<string, unknown>;
  sections: Map<string, Buffer>;
}

/** Reads a packed buffer. Throws DamagedSectionsError naming what is wrong when the format, order or sizes do not fit. */
export function unpackSections(bytes: Buffer, format: string): UnpackedSections {
  const headerEnd = bytes.indexOf(NEWLINE);
  if (headerEnd < 0) throw new DamagedSectionsError('the file has no header');
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(bytes.toString('utf8', 0, headerEnd)) as Record<string, unknown>;
  } catch {
    throw new DamagedSectionsError('the header is not JSON');
  }
  if (header === null || typeof header !== 'object' || header.format !== format) throw new DamagedSectionsError(`the file is not a ${format} file`);
  if (header.byteOrder !== NATIVE_BYTE_ORDER) throw new DamagedSectionsError(`the file was written in ${String(header.byteOrder)} byte order`);
  if (!Array.isArray(header.sections)) throw new DamagedSectionsError('the header lists no sections');

  const sections = new Map<string, Buffer>();
  let at = alignUp(headerEnd + 1);
  for (const entry of header.sections as unknown[]) {
    const { name, bytes: size } = (entry ?? {}) as Partial<SectionEntry>;
    if (typeof name !== 'string' || typeof size !== 'number' || !Number.isInteger(size) || size < 0) throw new DamagedSectionsError('the header lists an invalid section');
    if (at + size > bytes.length) throw new DamagedSectionsError(`section ${name} runs past the end of the file`);
    sections.set(name, bytes.subarray(at, at + size));
    at = alignUp(at + size);
  }
  if (at !== bytes.length) throw new DamagedSectionsError(`the file is ${bytes.length} bytes, expected ${at}`);
  return { header, sections };
}

/** Returns a named section, throwing DamagedSectionsError when the file lacks it. */
export function section(unpacked: UnpackedSections, name: string): Buffer {
  const data = unpacked.sections.get(name);
  if (data === undefined) throw new DamagedSectionsError(`the file has no ${name} section`);
  return data;
}

/** Views a section as 32-bit unsigned integers, copying only when the memory is not aligned for them. */
export function uint32View(data: Buffer, name: string): Uint32Array {
  if (data.byteLength % 4 !== 0) throw new DamagedSectionsError(`section ${name} is not a whole number of 32-bit integers`);
  if (data.byteOffset % 4 === 0) return new Uint32Array(data.buffer, data.byteOffset, data.byteLength / 4);
  return new Uint32Array(new Uint8Array(data).buffer);
}

/** Views a section as 32-bit signed integers, copying only when the memory is not aligned for them. */
export function int32View(data: Buffer, name: string): Int32Array {
  if (data.byteLength % 4 !== 0) throw new DamagedSectionsError(`section ${name} is not a whole number of 32-bit integers`);
  if (data.byteOffset % 4 === 0) return new Int32Array(data.buffer, data.byteOffset, data.byteLength / 4);
  return new Int32Array(new Uint8Array(data).buffer);
}

/** Views a section as 64-bit floats, copying only when the memory is not aligned for them. */
export function float64View(data: Buffer, name: string): Float64Array {
  if (data.byteLength % 8 !== 0) throw new DamagedSectionsError(`section ${name} is not a whole number of 64-bit floats`);
  if (data.byteOffset % 8 === 0) return new Float64Array(data.buffer, data.byteOffset, data.byteLength / 8);
  return new Float64Array(new Uint8Array(data).buffer);
}

/**
 * Reads a section of strings written by joinStrings, checking that it contains `count` of them. JSON keeps every
 * string exactly, even one with a lone surrogate, which UTF-8 would turn into U+FFFD and so change the sort order.
 */
export function stringList(data: Buffer, count: number, name: string): string[] {
  let values: unknown;
  try {
    values = JSON.parse(data.toString('utf8'));
  } catch {
    throw new DamagedSectionsError(`section ${name} is not JSON`);
  }
  if (!Array.isArray(values) || values.length !== count || !values.every((value) => typeof value === 'string')) {
    throw new DamagedSectionsError(`section ${name} does not contain ${count} strings`);
  }
  return values as string[];
}

/** Writes strings for a section read back by stringList. */
export function joinStrings(values: readonly string[]): Buffer {
  return Buffer.from(JSON.stringify(values), 'utf8');
}

function alignUp(offset: number): number {
  return Math.ceil(offset / SECTION_ALIGNMENT) * SECTION_ALIGNMENT;
}

function padding(length: number): Buffer {
  return Buffer.alloc(alignUp(length) - length);
}
