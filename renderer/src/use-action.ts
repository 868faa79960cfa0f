// A small hook for a button that runs one async call: tracks whether it is busy and its last error.
import { useCallback, useLayoutEffect, useRef, useState } from 'react';

import type { MailcaseError } from '../../shared/errors.js';
import { toMailcaseError } from './api.js';

export interface ActionState<A extends unknown[]> {
  busy: boolean;
  error: MailcaseError | null;
  /** Runs the action, catching and storing any error. Resolves true on success and false on error. */
  run: (...args: A) => Promise<boolean>;
  clearError: () => void;
}

/** Wraps an async function so a component can show a busy state and the investigator message of any error. */
export function useAction<A extends unknown[]>(action: (...args: A) => Promise<void>): ActionState<A> {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<MailcaseError | null>(null);
  // `run` keeps one identity for the component's life, so effects that depend on it run once rather than on
  // every render, while it still calls the action of the latest render.
  const latestAction = useRef(action);
  useLayoutEffect(() => {
    latestAction.current = action;
  });

  const run = useCallback(async (...args: A): Promise<boolean> => {
    setBusy(true);
    setError(null);
    try {
      await latestAction.current(...args);
      return true;
    } catch (caught) {
      setError(toMailcaseError(caught));
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  const clearError = useCallback(() => setError(null), []);

  return { busy, error, run, clearError };
}
