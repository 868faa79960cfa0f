// Turns byte and message counts of one acquisition into progress reports with rate and ETA, throttled by
// octets received rather than by time so that no timer is involved.
import type { AcquisitionProgress } from '../../shared/types.js';

/** Octets between two progress reports while a message streams in (1 MiB). */
const REPORT_EVERY_OCTETS = 1024 * 1024;

/** Tracks one run's progress and sends each change to the callback. */
export class ProgressMeter {
  private current: AcquisitionProgress = { phase: 'connecting', total: 0, done: 0, currentUidl: null };
  private downloadStartedMs = 0;
  private bytesAtLastReport = 0;
  private startedAt = new Date().toISOString();

  constructor(private readonly onProgress: ((progress: AcquisitionProgress) => void) | undefined) {}

  /** UTC ISO time at which the current message's RETR response began. */
  get messageStartedAt(): string {
    return this.startedAt;
  }

  /** Reports a new phase with the counts so far. */
  phase(phase: AcquisitionProgress['phase']): void {
    this.current = { ...this.current, phase, currentUidl: phase === 'downloading' ? this.current.currentUidl : null };
    this.report();
  }

  /** Starts the download phase with the number of messages and the octets LIST gives for them. */
  startDownload(total: number, bytesTotal: number): void {
    this.downloadStartedMs = performance.now();
    this.current = { phase: 'downloading', total, done: 0, currentUidl: null, bytesDone: 0, bytesTotal, bytesPerSecond: 0, etaSeconds: null };
    this.report();
  }

  /** Marks the start of one message. */
  message(uidl: string | null): void {
    this.startedAt = new Date().toISOString();
    this.current = { ...this.current, currentUidl: uidl };
  }

  /** Counts octets received and reports progress each time another REPORT_EVERY_OCTETS have arrived. */
  addBytes(count: number): void {
    this.current.bytesDone = (this.current.bytesDone ?? 0) + count;
    if (this.current.bytesDone - this.bytesAtLastReport >= REPORT_EVERY_OCTETS) this.report();
  }

  /** Counts one stored message and reports. */
  messageDone(): void {
    this.current = { ...this.current, done: Math.min(this.current.done + 1, this.current.total) };
    this.report();
  }

  private report(): void {
    const bytesDone = this.current.bytesDone ?? 0;
    this.bytesAtLastReport = bytesDone;
    if (this.current.phase === 'downloading' && this.downloadStartedMs > 0) {
      const seconds = (performance.now() - this.downloadStartedMs) / 1000;
      const rate = seconds > 0 ? bytesDone / seconds : 0;
      const left = Math.max(0, (this.current.bytesTotal ?? 0) - bytesDone);
      this.current.bytesPerSecond = Math.round(rate);
      this.current.etaSeconds = rate > 0 ? Math.ceil(left / rate) : null;
    }
    this.onProgress?.({ ...this.current });
  }
}
