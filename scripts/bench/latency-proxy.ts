// A TCP proxy on 127.0.0.1 that delays every chunk by a fixed time in each direction, so the benchmark can
// time POP3 clients over a slow link. It forwards octets unchanged and in order, and works for TLS too.
import net from 'node:net';

/** A running proxy. Clients connect to `port` on 127.0.0.1 instead of the target. */
export interface LatencyProxy {
  host: '127.0.0.1';
  port: number;
  /** Closes the listener and every open connection. */
  stop(): Promise<void>;
}

/** Octets queued in one direction after which the sending side is paused until the queue drains. */
const MAX_QUEUED_OCTETS = 4 * 1024 * 1024;

/**
 * Starts a proxy on 127.0.0.1 that forwards each connection to `targetPort` on 127.0.0.1 and delays each
 * chunk by `delayMs` in each direction, so a request and its reply take at least 2 * `delayMs` more.
 */
export async function startLatencyProxy(targetPort: number, delayMs: number): Promise<LatencyProxy> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: '127.0.0.1', port: targetPort });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.setNoDelay(true);
      socket.once('close', () => sockets.delete(socket));
      // An error on either side ends both, so the client sees a closed connection, as with a real link.
      socket.once('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    forwardDelayed(client, upstream, delayMs);
    forwardDelayed(upstream, client, delayMs);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('The latency proxy has no TCP port');

  return {
    host: '127.0.0.1',
    port: address.port,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Copies `from` to `to`, each chunk `delayMs` after it arrived. One timer drains a first-in-first-out queue,
 * so chunks keep their order, and the end of `from` is passed on after the data queued before it.
 */
function forwardDelayed(from: net.Socket, to: net.Socket, delayMs: number): void {
  const queue: { dueAt: number; chunk: Buffer | null }[] = [];
  let queuedOctets = 0;
  let timer: NodeJS.Timeout | null = null;

  const drain = (): void => {
    timer = null;
    const now = Date.now();
    while (queue.length > 0 && (queue[0]?.dueAt ?? 0) <= now) {
      const item = queue.shift();
      if (!item) break;
      if (item.chunk === null) {
        to.end();
        continue;
      }
      queuedOctets -= item.chunk.length;
      if (!to.destroyed) to.write(item.chunk);
    }
    if (queuedOctets < MAX_QUEUED_OCTETS && from.isPaused()) from.resume();
    schedule();
  };
  const schedule = (): void => {
    const next = queue[0];
    if (timer !== null || next === undefined) return;
    timer = setTimeout(drain, Math.max(0, next.dueAt - Date.now()));
  };

  from.on('data', (chunk: Buffer) => {
    queue.push({ dueAt: Date.now() + delayMs, chunk });
    queuedOctets += chunk.length;
    if (queuedOctets >= MAX_QUEUED_OCTETS) from.pause();
    schedule();
  });
  from.once('end', () => {
    queue.push({ dueAt: Date.now() + delayMs, chunk: null });
    schedule();
  });
  from.once('close', () => {
    if (timer !== null && queue.length === 0) clearTimeout(timer);
  });
}
