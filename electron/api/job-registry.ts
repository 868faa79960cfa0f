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

  /** Starts `work` in the background and returns its job id at once; the outcome is stored in the registry. */
  start(work: (reporter: JobReporter) => Promise<AcquisitionSummary>): string {
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

    const reporter: JobReporter = {
      progress: (progress) => {
        status.progress = { ...progress };
      },
    };
    void Promise.resolve()
      .then(() => work(reporter))
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
    const status = this.jobs.get(jobId);
    if (!status) {
      throw new MailcaseError('JOB_NOT_FOUND', `No job with id ${jobId.slice(0, 100)}`, {
        userMessage: 'That background task is no longer known; it may have been started before the app restarted.',
        details: { jobId: jobId.slice(0, 100) },
      });
    }
    return structuredClone(status);
  }

  private dropOldJobs(): void {
    const finished = [...this.jobs.values()].filter((job) => job.state !== 'running');
    const excess = finished.length - MAX_FINISHED_JOBS;
    for (const job of finished.slice(0, Math.max(0, excess))) this.jobs.delete(job.jobId);
  }
}
