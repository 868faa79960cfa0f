// "Try the demo case": starts the demo POP3 server once per app process and creates a case for it that
// already contains the demo rule pack as its active rules.
import path from 'node:path';

import type { DemoStartReply } from '../../shared/demo-types.js';
import { saveCaseRules } from '../api/case-rules.js';
import { CaseStore } from '../evidence/case-store.js';
import { createLogger } from '../logging/logger.js';
import { demoPackText } from '../rules/active-rules.js';
import type { DemoServer } from './demo-server.js';

const log = createLogger('demo-case');

/** Name given to every demo case. */
export const DEMO_CASE_NAME = 'Demo case';

export interface DemoCaseServiceOptions {
  /** Folder under which demo cases are created when the investigator picks none. */
  casesDir: string;
  /** Messages at the first login; defaults to the launcher's default. */
  messages?: number;
  seed?: number;
}

export interface DemoCaseService {
  /** Starts the demo server unless it runs already, creates a demo case in `dir` or a new folder, and returns both. */
  start(dir?: string): Promise<{ store: CaseStore; reply: DemoStartReply }>;
  /** Stops the demo server if it was started. */
  close(): Promise<void>;
}

/** Creates the service behind 'demo:start'. The server starts at the first call and is shared by later calls. */
export function createDemoCaseService(options: DemoCaseServiceOptions): DemoCaseService {
  let server: Promise<DemoServer> | null = null;

  const ensureServer = (): Promise<DemoServer> => {
    if (server === null) {
      // Loaded on first use, so the app does not load the mailbox generator until the investigator starts the demo.
      server = import('./demo-launcher.js').then(({ launchDemoServer }) => launchDemoServer({
        ...(options.messages === undefined ? {} : { messages: options.messages }),
        ...(options.seed === undefined ? {} : { seed: options.seed }),
        keepProcessAlive: false,
      }));
      // A failed start is not cached, so the investigator can try again.
      server.catch(() => {
        server = null;
      });
    }
    return server;
  };

  return {
    async start(dir) {
      const running = await ensureServer();
      const caseDir = dir ?? path.join(options.casesDir, `demo-${timestampForFolder(new Date())}`);
      const store = await CaseStore.create(caseDir, DEMO_CASE_NAME);
      await saveCaseRules(store, demoPackText());
      log.info('Demo case created', { caseId: store.info.caseId, port: running.port });

      return {
        store,
        reply: {
          host: running.host,
          port: running.port,
          security: running.security,
          user: running.user,
          password: running.password,
          fingerprint: running.fingerprint,
          caseDir: store.dir,
        },
      };
    },

    async close() {
      if (server === null) return;
      const running = await server.catch(() => null);
      server = null;
      await running?.close();
    },
  };
}

/** Formats a UTC time as 20261204-225600-123 (milliseconds last) for a folder name that sorts by creation time. */
function timestampForFolder(time: Date): string {
  return time.toISOString().replace(/[-:Z]/g, '').replace('T', '-').replace('.', '-');
}
