// Streams a file through SHA-256 without holding it in memory.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** Returns the lower-case hex SHA-256 of a file's content. */
export function hashFile(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}
