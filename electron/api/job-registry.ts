// In-memory registry of background acquisition jobs, polled by the UI through 'job:get'.
import { randomUUID } from 'node:crypto';

import { MailcaseError, serializeError } from '../../shared/errors.js';
import type { AcquisitionProgress, AcquisitionSummary, JobStatus } from '../../shared/types.js';
import { MAX_FINISHED_JOBS } from '../../shared/limits.js';

/** Callbacks a running job uses to report on itself. */
export interface JobReporter {
  progress(progress: AcquisitionProgress): void;
}

/** Holds the status of every job started in this process, keyed by job id. */
export class JobRegistry {
  private readonly jobs = new Map<string, JobStatus>();
  /** Abort controllers of the jobs still running; a job's entry goes when it finishes. */
  private readonly controllers = new Map<string, AbortController>();

  /**
   * Starts `work` in the background and returns its job id at once; the outcome is stored in the registry.
   * `signal` aborts when cancel() is called for the job, and the work decides how to stop.
   */
  start(work: (reporter: JobReporter, signal: AbortSignal) => Promise<AcquisitionSummary>): string {
    const jobId = randomUUID();
    const status: JobStatus = {
      jobId,
      kind: 'acquisition',
      state: 'running',
      progress: { phase: 'connecting', total: 0, done: 0, currentUidl: null },
      result: null,
      error: null,
    };
    this.jobs.set(jobId, status);
    const controller = new AbortController();
    this.controllers.set(jobId, controller);

    const reporter: JobReporter = {
      progress: (progress) => {
        status.progress = { ...progress };
      },
    };
    void Promise.resolve()
      .then(() => work(reporter, controller.signal))
      .finally(() => this.controllers.delete(jobId))
      .then(
        (result) => {
          status.result = result;
          status.state = 'succeeded';
          status.progress = { ...status.progress, phase: 'done', currentUidl: null };
          this.dropOldJobs();
        },
        (error: unknown) => {
          status.error = serializeError(error);
          status.state = 'failed';
          this.dropOldJobs();
        },
      );
    return jobId;
  }

  /** Returns a copy of a job's status. Throws JOB_NOT_FOUND for an unknown id. */
  get(jobId: string): JobStatus {
    return structuredClone(this.requireJob(jobId));
  }

  /**
   * Asks a running job to stop. Returns true when the request reached a running job and false when the job
   * had already finished. Throws JOB_NOT_FOUND for an unknown id.
   */
  cancel(jobId: string): boolean {
    this.requireJob(jobId);
    const controller = this.controllers.get(jobId);
    if (!controller) return false;

    controller.abort();
    return true;
  }

  private requireJob(jobId: string): JobStatus {
    const status = this.jobs.get(jobId);
    if (!status) {
      throw new MailcaseError('JOB_NOT_FOUND', `No job with id ${jobId.slice(0, 100)}`, {
        userMessage: 'That background task is no longer known; it may have been started before the app restarted.',
        details: { jobId: jobId.slice(0, 100) },
      });
    }
    return status;
  }

  private dropOldJobs(): void {
    const finished = [...this.jobs.values()].filter((job) => job.state !== 'running');
    const excess = finished.length - MAX_FINISHED_JOBS;
    for (const job of finished.slice(0, Math.max(0, excess))) this.jobs.delete(job.jobId);
  }
}
