// A TCP proxy on 127.0.0.1 that sits in front of a real POP3 server (Dovecot's plain port) and damages what
// the server sends: one octet per write, responses split at a chosen offset, cuts, stalls, garbage lines, latency.
import net from 'node:net';

/**
 * How server octets reach the client.
 * - 'as-received': each chunk from the server is written as it came.
 * - 'byte-at-a-time': one write per octet, each after the previous one reached the kernel.
 * - { splitAt }: every response (status line and body together) is written as two parts, cut `splitAt` octets
 *   after its first octet, with a short pause between them so that the client reads them separately.
 */
export type Delivery = 'as-received' | 'byte-at-a-time' | { splitAt: number };

/**
 * A fault on the server-to-client direction. Octet offsets within a response count from the first octet of its
 * status line, so the "+OK ..." line is part of them. RETR responses are numbered from 1 on each connection.
 * - cut: after `afterOctets` octets of the `retr`-th RETR response, or after that whole response when
 *   `afterOctets` is omitted, the proxy ends the connection (FIN to the client) and drops the server side.
 * - stall: after `afterOctets` octets (of the `retr`-th RETR response, or of the whole connection when `retr`
 *   is omitted) the proxy forwards nothing more but keeps both sockets open.
 * - garbage: the `occurrence`-th response to `command` (an upper-case verb, or 'GREETING') is replaced by
 *   `line` and CRLF.
 */
export type Fault =
  | { kind: 'none' }
  | { kind: 'cut'; retr: number; afterOctets?: number }
  | { kind: 'stall'; afterOctets: number; retr?: number }
  | { kind: 'garbage'; command: string; occurrence: number; line: string };

/** What the proxy does to one connection. */
export interface FaultPlan {
  delivery?: Delivery;
  fault?: Fault;
  /** One-way delay added to every server chunk, in milliseconds. Chunks keep their order. */
  latencyMs?: number;
}

export interface FaultProxyOptions {
  /** Port of the POP3 server on 127.0.0.1. */
  targetPort: number;
  /** Plan for new connections, which `setPlan` changes. Defaults to no fault. */
  plan?: FaultPlan;
  /** Lifetime of one connection, after which both sides are closed, so a stalled test cannot keep sockets. */
  maxConnectionMs?: number;
}

/** Counts of what the proxy did, across all connections. */
export interface FaultProxyStats {
  connections: number;
  /** Server octets written to clients. */
  octetsDelivered: number;
  /** Writes to clients, equal to `octetsDelivered` under 'byte-at-a-time'. */
  writes: number;
  /** Responses written in two parts under { splitAt }. */
  splits: number;
  cuts: number;
  stalls: number;
  garbageLines: number;
}

export interface FaultProxy {
  host: '127.0.0.1';
  port: number;
  /** Sets the plan used by connections opened from now on. */
  setPlan(plan: FaultPlan): void;
  readonly stats: FaultProxyStats;
  /** Closes every connection and the listener. Safe to call twice. */
  close(): Promise<void>;
}

/** Default lifetime of one proxied connection (2 minutes, the integration tests' own timeout). */
const DEFAULT_MAX_CONNECTION_MS = 120_000;

/** Queued server octets above which the server socket is paused until the client side catches up (1 MiB). */
const MAX_QUEUED_OCTETS = 1024 * 1024;

/** Pause between the two parts of a split response, long enough for the client's event loop to read the first. */
const SPLIT_PAUSE_MS = 3;

/** Starts the proxy on a free port of 127.0.0.1. */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  let plan: FaultPlan = options.plan ?? {};
  const maxConnectionMs = options.maxConnectionMs ?? DEFAULT_MAX_CONNECTION_MS;
  const stats: FaultProxyStats = { connections: 0, octetsDelivered: 0, writes: 0, splits: 0, cuts: 0, stalls: 0, garbageLines: 0 };
  const connections = new Set<ProxiedConnection>();

  const server = net.createServer((client) => {
    stats.connections += 1;
    const connection = new ProxiedConnection(client, options.targetPort, plan, stats, maxConnectionMs, () => connections.delete(connection));
    connections.add(connection);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address() as net.AddressInfo;

  let closed = false;
  return {
    host: '127.0.0.1',
    port: address.port,
    setPlan: (next) => {
      plan = next;
    },
    stats,
    close: async () => {
      if (closed) return;
      closed = true;
      for (const connection of connections) connection.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A run of server octets that belongs to one response. */
interface ResponseSpan {
  verb: string;
  /** 1-based count of responses to this verb on the connection, this one included. */
  occurrence: number;
  /** Offset of `octets[0]` within the response. */
  offset: number;
  /** Offset of `octets[0]` within everything the server sent on the connection. */
  streamOffset: number;
  octets: Buffer;
  /** True when the response ends with the last octet of `octets`. */
  ends: boolean;
}

/** One step of the writer: octets to send, a pause, or the end of the connection. */
type OutputItem = { kind: 'octets'; octets: Buffer; dueAt: number } | { kind: 'pause' } | { kind: 'cut' };

/** One client connection and its upstream socket. */
class ProxiedConnection {
  private readonly upstream: net.Socket;
  private readonly tracker = new ResponseTracker();
  private readonly queue: OutputItem[] = [];
  private queuedOctets = 0;
  private pumping = false;
  private stopped = false;
  private destroyed = false;
  private readonly lifetime: NodeJS.Timeout;
  private clientLine: Buffer[] = [];

  constructor(
    private readonly client: net.Socket,
    targetPort: number,
    private readonly plan: FaultPlan,
    private readonly stats: FaultProxyStats,
    maxConnectionMs: number,
    private readonly onClosed: () => void,
  ) {
    client.setNoDelay(true);
    this.upstream = net.connect({ host: '127.0.0.1', port: targetPort });
    this.upstream.setNoDelay(true);
    this.lifetime = setTimeout(() => this.destroy(), maxConnectionMs);

    client.on('data', (chunk: Buffer) => this.fromClient(chunk));
    this.upstream.on('data', (chunk: Buffer) => this.fromServer(chunk));
    client.on('error', () => this.destroy());
    this.upstream.on('error', () => this.destroy());
    client.on('close', () => this.destroy());
    // The server closing is forwarded only after everything queued has been written.
    this.upstream.on('end', () => {
      if (!this.stopped) this.enqueue({ kind: 'cut' });
    });
  }

  /** Closes both sockets at once, dropping anything queued. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    clearTimeout(this.lifetime);
    this.client.destroy();
    this.upstream.destroy();
    this.onClosed();
  }

  private get tracksResponses(): boolean {
    return (this.plan.fault !== undefined && this.plan.fault.kind !== 'none') || typeof this.plan.delivery === 'object';
  }

  private fromClient(chunk: Buffer): void {
    if (!this.tracksResponses) {
      this.upstream.write(chunk);
      return;
    }
    // Commands are read before they are forwarded, so the tracker has each command before its response.
    let start = 0;
    for (let lineFeed = chunk.indexOf(0x0a); lineFeed !== -1; lineFeed = chunk.indexOf(0x0a, start)) {
      this.clientLine.push(chunk.subarray(start, lineFeed));
      this.tracker.clientLine(Buffer.concat(this.clientLine).toString('latin1').replace(/\r$/, ''));
      this.clientLine = [];
      start = lineFeed + 1;
    }
    if (start < chunk.length) this.clientLine.push(Buffer.from(chunk.subarray(start)));
    this.upstream.write(chunk);
  }

  private fromServer(chunk: Buffer): void {
    if (this.stopped) return;
    // Latency and byte-at-a-time delivery need no response boundaries, so large transfers skip the tracker.
    if (!this.tracksResponses) {
      this.enqueue({ kind: 'octets', octets: chunk, dueAt: this.dueAt() });
      return;
    }
    for (const span of this.tracker.serverOctets(chunk)) {
      this.applyFault(span);
      if (this.stopped) return;
    }
  }

  /** Queues the octets of one span that the fault lets through, and stops the connection at the fault's position. */
  private applyFault(span: ResponseSpan): void {
    const fault = this.plan.fault ?? { kind: 'none' };
    if (fault.kind === 'none') return this.forward(span);

    if (fault.kind === 'garbage') {
      if (span.verb !== fault.command || span.occurrence !== fault.occurrence) return this.forward(span);
      if (span.offset === 0) {
        this.stats.garbageLines += 1;
        this.enqueue({ kind: 'octets', octets: Buffer.from(`${fault.line}\r\n`, 'latin1'), dueAt: this.dueAt() });
      }
      return;
    }

    // A stall without `retr` counts octets from the start of the connection; every other fault counts them
    // within the chosen RETR response.
    const wholeConnection = fault.kind === 'stall' && fault.retr === undefined;
    if (!wholeConnection && (span.verb !== 'RETR' || span.occurrence !== fault.retr)) return this.forward(span);
    const position = wholeConnection ? span.streamOffset : span.offset;

    if (fault.afterOctets === undefined) {
      this.forward(span);
      if (span.ends) this.stop(fault.kind);
      return;
    }
    if (position + span.octets.length < fault.afterOctets) return this.forward(span);
    this.forward({ ...span, octets: span.octets.subarray(0, Math.max(0, fault.afterOctets - position)), ends: false });
    this.stop(fault.kind);
  }

  /** Queues a span, split in two at the offset that { splitAt } delivery sets. */
  private forward(span: ResponseSpan): void {
    const delivery = this.plan.delivery ?? 'as-received';
    if (typeof delivery === 'object') {
      const cut = delivery.splitAt - span.offset;
      if (cut > 0 && cut < span.octets.length) {
        this.stats.splits += 1;
        this.enqueue({ kind: 'octets', octets: span.octets.subarray(0, cut), dueAt: this.dueAt() });
        this.enqueue({ kind: 'pause' });
        this.enqueue({ kind: 'octets', octets: span.octets.subarray(cut), dueAt: this.dueAt() });
        return;
      }
    }
    this.enqueue({ kind: 'octets', octets: span.octets, dueAt: this.dueAt() });
  }

  private stop(kind: 'cut' | 'stall'): void {
    this.stopped = true;
    if (kind === 'cut') {
      this.stats.cuts += 1;
      this.enqueue({ kind: 'cut' });
      return;
    }
    this.stats.stalls += 1;
    this.upstream.pause();
  }

  private dueAt(): number {
    return Date.now() + (this.plan.latencyMs ?? 0);
  }

  private enqueue(item: OutputItem): void {
    this.queue.push(item);
    if (item.kind === 'octets') this.queuedOctets += item.octets.length;
    if (this.queuedOctets > MAX_QUEUED_OCTETS) this.upstream.pause();
    if (!this.pumping) void this.pump();
  }

  /** Writes queued items in order, paced by the plan's delivery and latency. */
  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      for (let item = this.queue.shift(); item && !this.destroyed; item = this.queue.shift()) {
        if (item.kind === 'cut') {
          this.client.end();
          this.upstream.destroy();
          return;
        }
        if (item.kind === 'pause') {
          await sleep(SPLIT_PAUSE_MS);
          continue;
        }

        const wait = item.dueAt - Date.now();
        if (wait > 0) await sleep(wait);
        await this.write(item.octets);
        this.queuedOctets -= item.octets.length;
        if (this.queuedOctets <= MAX_QUEUED_OCTETS && !this.stopped && this.upstream.isPaused()) this.upstream.resume();
      }
    } finally {
      this.pumping = false;
    }
  }

  private async write(octets: Buffer): Promise<void> {
    if (octets.length === 0) return;
    if (this.plan.delivery !== 'byte-at-a-time') {
      this.count(octets.length);
      if (!this.client.write(octets)) await new Promise((resolve) => this.client.once('drain', resolve));
      return;
    }

    for (let index = 0; index < octets.length && !this.destroyed; index += 1) {
      this.count(1);
      await new Promise<void>((resolve) => this.client.write(octets.subarray(index, index + 1), () => resolve()));
      // Let the client's event loop read this octet before the next one arrives.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private count(octets: number): void {
    this.stats.octetsDelivered += octets;
    this.stats.writes += 1;
  }
}

/** Multi-line response state, following RFC 1939 section 3: a line that is exactly "." ends the response. */
type BodyState = 'lineStart' | 'dot' | 'dotCr' | 'inLine';

/**
 * Follows the POP3 exchange on one connection: the client's commands, in order, and the server's octets, cut
 * into one span per response. Loses track (and then reports every later octet as verb 'UNKNOWN') after STLS,
 * because the rest of the stream is TLS.
 */
class ResponseTracker {
  private readonly commands: { verb: string; multiLine: boolean }[] = [{ verb: 'GREETING', multiLine: false }];
  private readonly occurrences = new Map<string, number>();
  private current: { verb: string; occurrence: number; multiLine: boolean; offset: number; status: number[] } | null = null;
  private body: BodyState | null = null;
  private previousWasCr = false;
  private saslContinuations = 0;
  private opaque = false;
  private streamOffset = 0;

  /** Records one line the client sent, without its line ending. */
  clientLine(line: string): void {
    // The line sent after a SASL "+ " challenge is the client's response to it, not a command.
    if (this.saslContinuations > 0) {
      this.saslContinuations -= 1;
      return;
    }
    const [verb = '', ...args] = line.split(' ');
    const upper = verb.toUpperCase();
    const multiLine = upper === 'RETR' || upper === 'TOP' || upper === 'CAPA' || ((upper === 'LIST' || upper === 'UIDL') && args.length === 0);
    this.commands.push({ verb: upper, multiLine });
  }

  /** Cuts server octets into spans, one per response they touch. */
  serverOctets(chunk: Buffer): ResponseSpan[] {
    const spans: ResponseSpan[] = [];
    let start = 0;
    while (start < chunk.length) {
      const response = this.begin();
      let index = start;
      let ended = false;
      while (index < chunk.length && !ended) {
        ended = this.consume(chunk[index] as number);
        index += 1;
      }
      spans.push({
        verb: response.verb,
        occurrence: response.occurrence,
        offset: response.offset,
        octets: chunk.subarray(start, index),
        ends: ended,
        streamOffset: this.streamOffset,
      });
      response.offset += index - start;
      this.streamOffset += index - start;
      if (ended) this.current = null;
      start = index;
    }
    return spans;
  }

  private begin(): { verb: string; occurrence: number; multiLine: boolean; offset: number; status: number[] } {
    if (this.current) return this.current;
    const command = this.opaque ? { verb: 'UNKNOWN', multiLine: false } : (this.commands.shift() ?? { verb: 'UNKNOWN', multiLine: false });
    const occurrence = (this.occurrences.get(command.verb) ?? 0) + 1;
    this.occurrences.set(command.verb, occurrence);
    this.current = { ...command, occurrence, offset: 0, status: [] };
    this.body = null;
    return this.current;
  }

  /** Consumes one octet of the current response; returns true when it was the response's last octet. */
  private consume(octet: number): boolean {
    const response = this.current;
    if (!response || this.opaque) return false;

    if (this.body === null) {
      response.status.push(octet);
      if (octet !== 0x0a) return false;
      return this.statusLineDone(response);
    }
    return this.consumeBody(octet);
  }

  private statusLineDone(response: { verb: string; multiLine: boolean; status: number[] }): boolean {
    const text = Buffer.from(response.status).toString('latin1');
    if (response.verb === 'AUTH' && text.startsWith('+ ')) {
      // The AUTH exchange goes on: the client's next line responds to the challenge, and the status follows.
      this.saslContinuations += 1;
      this.commands.unshift({ verb: 'AUTH', multiLine: false });
      return true;
    }
    if (response.verb === 'STLS' && text.startsWith('+OK')) this.opaque = true;
    if (response.multiLine && text.startsWith('+OK')) {
      this.body = 'lineStart';
      this.previousWasCr = false;
      return false;
    }
    return true;
  }

  private consumeBody(octet: number): boolean {
    switch (this.body) {
      case 'lineStart':
        this.body = octet === 0x2e ? 'dot' : 'inLine';
        this.previousWasCr = octet === 0x0d;
        return false;
      case 'dot':
        this.body = octet === 0x0d ? 'dotCr' : 'inLine';
        this.previousWasCr = false;
        return false;
      case 'dotCr':
        if (octet === 0x0a) return true;
        this.body = 'inLine';
        this.previousWasCr = octet === 0x0d;
        return false;
      default:
        if (octet === 0x0a && this.previousWasCr) this.body = 'lineStart';
        this.previousWasCr = octet === 0x0d;
        return false;
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
