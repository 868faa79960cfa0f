// A scripted POP3 server on 127.0.0.1 for unit tests: it records every line the client sends and can deliver
// its replies whole, one octet at a time, or in random-sized chunks, to exercise every TCP split.
import net from 'node:net';

export type Chunking = 'whole' | 'bytes' | 'random';

/** One client connection, as passed to the handler. */
export interface FakeConnection {
  /** Queues octets for the client. They go out in order, split by the server's chunking mode. */
  send(data: string | Buffer): void;
  /** Drops the connection once everything queued has gone out. */
  close(): void;
}

/** Handles one line the client sent (CRLF removed). */
export type FakeHandler = (line: string, connection: FakeConnection) => void;

export interface FakePop3Server {
  port: number;
  /** Every line received, in order, across connections. */
  commands: string[];
  close(): Promise<void>;
}

export interface FakePop3Options {
  handler: FakeHandler;
  greeting?: string;
  chunking?: Chunking;
  /** Seed of the chunk-size generator for 'random', so a failure can be replayed. */
  seed?: number;
}

/** Starts the server; close it in afterEach. */
export async function startFakePop3(options: FakePop3Options): Promise<FakePop3Server> {
  const commands: string[] = [];
  const sockets = new Set<net.Socket>();
  const nextSize = chunkSizes(options.chunking ?? 'whole', options.seed ?? 1);

  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('error', () => undefined);

    let queue: Promise<void> = Promise.resolve();
    const connection: FakeConnection = {
      send: (data) => {
        const octets = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
        queue = queue.then(() => writeInChunks(socket, octets, nextSize));
      },
      close: () => {
        queue = queue.then(() => {
          socket.destroy();
        });
      },
    };

    connection.send(options.greeting ?? '+OK fake ready\r\n');
    let pending = '';
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      let end = pending.indexOf('\r\n');
      while (end !== -1) {
        const line = pending.slice(0, end);
        pending = pending.slice(end + 2);
        commands.push(line);
        options.handler(line, connection);
        end = pending.indexOf('\r\n');
      }
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    commands,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function writeInChunks(socket: net.Socket, octets: Buffer, nextSize: () => number): Promise<void> {
  let offset = 0;
  while (offset < octets.length && !socket.destroyed) {
    const size = Math.min(nextSize(), octets.length - offset);
    socket.write(octets.subarray(offset, offset + size));
    offset += size;
    // Yielding between writes lets each chunk leave as its own TCP segment most of the time.
    if (size < octets.length) await new Promise((resolve) => setImmediate(resolve));
  }
}

function chunkSizes(chunking: Chunking, seed: number): () => number {
  if (chunking === 'whole') return () => Number.MAX_SAFE_INTEGER;
  if (chunking === 'bytes') return () => 1;

  // Mulberry32: a small seeded generator, so that random chunking is repeatable.
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value ^= value + Math.imul(value ^ (value >>> 7), 61 | value);
    const random = ((value ^ (value >>> 14)) >>> 0) / 4294967296;
    return 1 + Math.floor(random * 40);
  };
}

/** Options of `mailboxHandler`. */
export interface MailboxHandlerOptions {
  /** CAPA lines; null makes CAPA fail with -ERR. */
  capabilities?: string[] | null;
  /** Replies that replace the default for a verb; return undefined to fall back to the default. */
  overrides?: Partial<Record<string, (line: string, connection: FakeConnection) => boolean | void>>;
}

/** Builds a handler for a well-behaved mailbox holding the given raw messages, each ending with CRLF. */
export function mailboxHandler(messages: string[], options: MailboxHandlerOptions = {}): FakeHandler {
  return (line, connection) => {
    const verb = line.split(' ')[0] ?? '';
    const override = options.overrides?.[verb];
    if (override && override(line, connection) !== false) return;

    connection.send(defaultReply(messages, options.capabilities ?? null, verb, line));
    if (verb === 'QUIT') connection.close();
  };
}

function defaultReply(messages: string[], capabilities: string[] | null, verb: string, line: string): string {
  switch (verb) {
    case 'CAPA':
      return capabilities === null ? '-ERR no CAPA\r\n' : `+OK\r\n${capabilities.map((entry) => `${entry}\r\n`).join('')}.\r\n`;
    case 'USER':
      return '+OK\r\n';
    case 'PASS':
      return '+OK logged in\r\n';
    case 'UIDL':
      return `+OK\r\n${messages.map((_, index) => `${index + 1} uid-${index + 1}\r\n`).join('')}.\r\n`;
    case 'LIST':
      return `+OK\r\n${messages.map((message, index) => `${index + 1} ${message.length}\r\n`).join('')}.\r\n`;
    case 'RETR': {
      const message = messages[Number(line.split(' ')[1]) - 1];
      if (message === undefined) return '-ERR no such message\r\n';
      return `+OK ${message.length} octets\r\n${message.replace(/^\./gm, '..')}.\r\n`;
    }
    case 'QUIT':
      return '+OK bye\r\n';
    default:
      return '-ERR unknown command\r\n';
  }
}
