// The metadata of every document of a case's index in columns: dates, sizes and flags in typed arrays, texts in
// string arrays, and addresses as numbers into a table of distinct addresses. Opening a case parses this one file,
// and structured conditions test each distinct address once instead of every address of every document.
import { DamagedSectionsError, float64View, packSections, section, uint32View, unpackSections } from './binary-sections.js';
import type { AddressRow, DocumentMeta } from './search-documents.js';

const DOCUMENTS_FORMAT = 'mailcase-documents';

/** One distinct address: lower-case display name, address, ASCII domain and Unicode domain. */
export type AddressEntryRow = [string, string, string, string];

/** The documents of a case's index, by ordinal. */
export class DocumentTable {
  private constructor(
    readonly length: number,
    /** The record id of an embedded record; empty for a stored message's own record, whose id is its root. */
    private readonly embeddedIds: readonly string[],
    readonly roots: readonly string[],
    /** UTC milliseconds, NaN when the message has no usable date. */
    readonly dates: Float64Array,
    readonly sizes: Float64Array,
    readonly bits: Uint8Array,
    readonly subjects: readonly string[],
    readonly froms: readonly string[],
    /** The distinct addresses of the case. */
    readonly addresses: readonly AddressEntryRow[],
    /** Start of each document's addresses in `addressFields` and `addressNumbers`, then the end of the last one's. */
    readonly addressStarts: Uint32Array,
    /** The address field code of each of a document's addresses (ADDRESS_FIELD_CODES). */
    readonly addressFields: Uint8Array,
    /** The number of each of a document's addresses in `addresses`. */
    readonly addressNumbers: Uint32Array,
    readonly filenames: readonly (readonly string[])[],
    readonly filetypes: readonly (readonly string[])[],
  ) {}

  /** Builds the table of a list of documents. */
  static fromMetas(metas: readonly DocumentMeta[]): DocumentTable {
    const numbers = new Map<string, number>();
    const addresses: AddressEntryRow[] = [];
    const addressStarts = new Uint32Array(metas.length + 1);
    const fields: number[] = [];
    const addressNumbers: number[] = [];

    metas.forEach((meta, ordinal) => {
      addressStarts[ordinal] = fields.length;
      for (const [code, name, address, domainAscii, domainUnicode] of meta.addresses) {
        const key = `${name}\u0000${address}\u0000${domainAscii}\u0000${domainUnicode}`;
        let number = numbers.get(key);
        if (number === undefined) {
          number = addresses.length;
          numbers.set(key, number);
          addresses.push([name, address, domainAscii, domainUnicode]);
        }
        fields.push(code);
        addressNumbers.push(number);
      }
    });
    addressStarts[metas.length] = fields.length;

    return new DocumentTable(
      metas.length,
      metas.map((meta) => (meta.id === meta.root ? '' : meta.id)),
      metas.map((meta) => meta.root),
      Float64Array.from(metas, (meta) => meta.date ?? Number.NaN),
      Float64Array.from(metas, (meta) => meta.size),
      Uint8Array.from(metas, (meta) => meta.bits),
      metas.map((meta) => meta.subject),
      metas.map((meta) => meta.from),
      addresses,
      addressStarts,
      Uint8Array.from(fields),
      Uint32Array.from(addressNumbers),
      metas.map((meta) => meta.filenames),
      metas.map((meta) => meta.filetypes),
    );
  }

  /** Loads a saved table. Throws DamagedSectionsError naming the fault when the file is damaged. */
  static load(bytes: Buffer, count: number): DocumentTable {
    const unpacked = unpackSections(bytes, DOCUMENTS_FORMAT);
    if (unpacked.header.count !== count) throw new DamagedSectionsError(`lists ${String(unpacked.header.count)} documents, expected ${count}`);

    const strings = (name: string, length: number): string[] => {
      const values = parseJsonSection(section(unpacked, name), name);
      if (values.length !== length || !values.every((value) => typeof value === 'string')) throw new DamagedSectionsError(`section ${name} does not contain ${length} strings`);
      return values as string[];
    };
    const stringLists = (name: string): string[][] => {
      const values = parseJsonSection(section(unpacked, name), name);
      if (values.length !== count || !values.every((value) => Array.isArray(value) && value.every((item) => typeof item === 'string'))) {
        throw new DamagedSectionsError(`section ${name} does not contain ${count} lists of strings`);
      }
      return values as string[][];
    };

    const addresses = parseJsonSection(section(unpacked, 'addresses'), 'addresses');
    if (!addresses.every((row) => Array.isArray(row) && row.length === 4 && row.every((item) => typeof item === 'string'))) {
      throw new DamagedSectionsError('section addresses contains an invalid address');
    }
    const dates = float64View(section(unpacked, 'dates'), 'dates');
    const sizes = float64View(section(unpacked, 'sizes'), 'sizes');
    const bitData = section(unpacked, 'bits');
    const addressStarts = uint32View(section(unpacked, 'addressStarts'), 'addressStarts');
    const fieldData = section(unpacked, 'addressFields');
    const addressNumbers = uint32View(section(unpacked, 'addressNumbers'), 'addressNumbers');
    if (dates.length !== count || sizes.length !== count || bitData.length !== count || addressStarts.length !== count + 1) {
      throw new DamagedSectionsError('the columns do not contain one value per document');
    }
    if (fieldData.length !== addressNumbers.length || addressStarts[0] !== 0 || addressStarts[count] !== addressNumbers.length) {
      throw new DamagedSectionsError('the address columns do not fit together');
    }
    for (let ordinal = 0; ordinal < count; ordinal += 1) {
      if ((addressStarts[ordinal] ?? 0) > (addressStarts[ordinal + 1] ?? 0)) throw new DamagedSectionsError('the address starts are not in order');
    }
    if (!addressNumbers.every((number) => number < addresses.length)) throw new DamagedSectionsError('a document names an address that does not exist');

    return new DocumentTable(
      count,
      strings('embeddedIds', count),
      strings('roots', count),
      dates,
      sizes,
      new Uint8Array(bitData.buffer, bitData.byteOffset, bitData.byteLength),
      strings('subjects', count),
      strings('froms', count),
      addresses as AddressEntryRow[],
      addressStarts,
      new Uint8Array(fieldData.buffer, fieldData.byteOffset, fieldData.byteLength),
      addressNumbers,
      stringLists('filenames'),
      stringLists('filetypes'),
    );
  }

  /** Returns the bytes of the table's file. */
  serialise(): Buffer {
    const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value), 'utf8');
    return packSections(
      DOCUMENTS_FORMAT,
      { count: this.length },
      {
        embeddedIds: json(this.embeddedIds),
        roots: json(this.roots),
        dates: this.dates,
        sizes: this.sizes,
        bits: this.bits,
        subjects: json(this.subjects),
        froms: json(this.froms),
        addresses: json(this.addresses),
        addressStarts: this.addressStarts,
        addressFields: this.addressFields,
        addressNumbers: this.addressNumbers,
        filenames: json(this.filenames),
        filetypes: json(this.filetypes),
      },
    );
  }

  /** Returns the record id of a document: the stored message's SHA-256, or `${sha256}/${partPath}` when embedded. */
  idOf(ordinal: number): string {
    const embeddedId = this.embeddedIds[ordinal] ?? '';
    return embeddedId === '' ? (this.roots[ordinal] ?? '') : embeddedId;
  }

  /** Returns a document's date in UTC milliseconds, or null. */
  dateOf(ordinal: number): number | null {
    const date = this.dates[ordinal] ?? Number.NaN;
    return Number.isNaN(date) ? null : date;
  }

  /** Returns every document as a list, to be extended and turned into a new table. */
  toMetas(): DocumentMeta[] {
    return Array.from({ length: this.length }, (_, ordinal) => this.metaOf(ordinal));
  }

  /** Returns one document's metadata. */
  metaOf(ordinal: number): DocumentMeta {
    const rows: AddressRow[] = [];
    for (let at = this.addressStarts[ordinal] ?? 0; at < (this.addressStarts[ordinal + 1] ?? 0); at += 1) {
      const [name, address, domainAscii, domainUnicode] = this.addresses[this.addressNumbers[at] ?? 0] ?? ['', '', '', ''];
      rows.push([this.addressFields[at] ?? 0, name, address, domainAscii, domainUnicode]);
    }
    return {
      id: this.idOf(ordinal),
      root: this.roots[ordinal] ?? '',
      date: this.dateOf(ordinal),
      size: this.sizes[ordinal] ?? 0,
      subject: this.subjects[ordinal] ?? '',
      from: this.froms[ordinal] ?? '',
      bits: this.bits[ordinal] ?? 0,
      addresses: rows,
      filenames: [...(this.filenames[ordinal] ?? [])],
      filetypes: [...(this.filetypes[ordinal] ?? [])],
    };
  }
}

function parseJsonSection(data: Buffer, name: string): unknown[] {
  let value: unknown;
  try {
    value = JSON.parse(data.toString('utf8'));
  } catch {
    throw new DamagedSectionsError(`section ${name} is not JSON`);
  }
  if (!Array.isArray(value)) throw new DamagedSectionsError(`section ${name} is not a list`);
  return value;
}
