// Polls a background job until it finishes.
import { useEffect, useState } from 'react';

import type { MailcaseError } from '../../../../shared/errors.js';
import type { JobStatus } from '../../../../shared/types.js';
import { call, toMailcaseError } from '../../api.js';

/** Interval between 'job:get' calls while a job runs, in milliseconds. */
const POLL_INTERVAL_MS = 300;

/**
 * Returns the latest status of `jobId`, polling until the job succeeds or fails. A failed poll stops
 * the loop and is returned as `pollError`, although the job itself may still be running on the Node side.
 */
export function useJobStatus(jobId: string | null): { status: JobStatus | null; pollError: MailcaseError | null } {
  const [status, setStatus] = useState<JobStatus | null>(null);
  const [pollError, setPollError] = useState<MailcaseError | null>(null);

  useEffect(() => {
    setStatus(null);
    setPollError(null);
    if (jobId === null) return;

    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const next = await call('job:get', { jobId });
        if (stopped) return;
        setStatus(next);
        if (next.state === 'running') timer = setTimeout(() => void poll(), POLL_INTERVAL_MS);
      } catch (error) {
        if (!stopped) setPollError(toMailcaseError(error));
      }
    };
    void poll();

    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [jobId]);

  return { status, pollError };
}
