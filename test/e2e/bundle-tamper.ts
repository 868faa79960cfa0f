// Copies a bundle zip with one byte of one member changed, keeping every other member as it was.
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';

import yauzl from 'yauzl';
import yazl from 'yazl';

interface ZipMember {
  name: string;
  data: Buffer;
  isDirectory: boolean;
}

async function readMembers(file: string): Promise<ZipMember[]> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(file, { lazyEntries: true }, (error, opened) => (error ? reject(error) : resolve(opened))),
  );
  const members: ZipMember[] = [];

  await new Promise<void>((resolve, reject) => {
    zip.on('error', reject);
    zip.on('end', () => resolve());
    zip.on('entry', (entry: yauzl.Entry) => {
      if (entry.fileName.endsWith('/')) {
        members.push({ name: entry.fileName, data: Buffer.alloc(0), isDirectory: true });
        zip.readEntry();
        return;
      }
      zip.openReadStream(entry, (error, stream) => {
        if (error) {
          reject(error);
          return;
        }
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('error', reject);
        stream.on('end', () => {
          members.push({ name: entry.fileName, data: Buffer.concat(chunks), isDirectory: false });
          zip.readEntry();
        });
      });
    });
    zip.readEntry();
  });
  zip.close();
  return members;
}

/**
 * Writes `target` as a copy of the zip `source` in which the middle byte of the first member whose name
 * starts with `prefix` has its lowest bit flipped. Returns that member's name.
 */
export async function copyBundleWithFlippedByte(source: string, target: string, prefix: string): Promise<string> {
  const members = await readMembers(source);
  const victim = members.find((member) => !member.isDirectory && member.name.startsWith(prefix) && member.data.length > 0);
  if (!victim) throw new Error(`No member starting with ${prefix} in ${source}`);

  const middle = Math.floor(victim.data.length / 2);
  victim.data[middle] = (victim.data[middle] ?? 0) ^ 0x01;

  const output = new yazl.ZipFile();
  for (const member of members) {
    if (member.isDirectory) output.addEmptyDirectory(member.name);
    else output.addBuffer(member.data, member.name);
  }
  output.end();
  await pipeline(output.outputStream, createWriteStream(target));
  return victim.name;
}
