// Builds small TNEF streams for tests, following the attribute layout of [MS-OXTNEF] section 2.1.3.

const SIGNATURE = 0x223e9f78;

function attribute(level: number, id: number, data: Buffer): Buffer {
  const header = Buffer.alloc(9);
  header.writeUInt8(level, 0);
  header.writeUInt32LE(id, 1);
  header.writeUInt32LE(data.length, 5);
  const checksum = Buffer.alloc(2);
  checksum.writeUInt16LE(data.reduce((sum, octet) => (sum + octet) % 0x10000, 0), 0);
  return Buffer.concat([header, data, checksum]);
}

function string8(text: string): Buffer {
  return Buffer.concat([Buffer.from(text, 'latin1'), Buffer.from([0])]);
}

/** Returns an attAttachment property list holding PR_ATTACH_LONG_FILENAME as a PT_STRING8 value. */
function longFilenameProperties(name: string): Buffer {
  const value = string8(name);
  const padded = Buffer.alloc(Math.ceil(value.length / 4) * 4);
  value.copy(padded);
  const head = Buffer.alloc(16);
  head.writeUInt32LE(1, 0); // property count
  head.writeUInt16LE(0x001e, 4); // PT_STRING8
  head.writeUInt16LE(0x3707, 6); // PR_ATTACH_LONG_FILENAME
  head.writeUInt32LE(1, 8); // value count
  head.writeUInt32LE(value.length, 12);
  return Buffer.concat([head, padded]);
}

export interface TnefAttachmentSpec {
  title: string;
  longName?: string;
  data: Buffer;
}

/** Returns a TNEF stream with a subject, a plain body and attachments given by 8.3 title, long name and content. */
export function buildTnef(options: { subject: string; body: string; attachments: TnefAttachmentSpec[] }): Buffer {
  const head = Buffer.alloc(6);
  head.writeUInt32LE(SIGNATURE, 0);
  head.writeUInt16LE(0x0001, 4);

  const parts = [
    head,
    attribute(1, 0x00078008, string8('IPM.Microsoft Mail.Note')),
    attribute(1, 0x00018004, string8(options.subject)),
    attribute(1, 0x0002800c, Buffer.from(options.body, 'latin1')),
  ];
  for (const item of options.attachments) {
    parts.push(attribute(2, 0x00069002, Buffer.alloc(14)));
    parts.push(attribute(2, 0x00018010, string8(item.title)));
    parts.push(attribute(2, 0x0006800f, item.data));
    if (item.longName !== undefined) parts.push(attribute(2, 0x00069005, longFilenameProperties(item.longName)));
  }
  return Buffer.concat(parts);
}
