import { parseSortablePosition, type DocumentStore, type Logger } from '@booking/shared-kernel';
import type { ReadModelChanges } from '@booking/read-api';

/**
 * Read-model changes of projectors running in another process, seen in their checkpoints:
 * while someone listens, each projector's checkpoint is read every `intervalMs` and a
 * listener hears of each move (one small read per interval, not a query of the model).
 */
export function checkpointChanges(docs: DocumentStore, logger: Logger, intervalMs = 200): ReadModelChanges {
  return {
    subscribe(projector, listener) {
      let last: string | null = null;
      let stopped = false;
      let timer: NodeJS.Timeout | null = null;
      let failing = false;
      const poll = async () => {
        try {
          const saved = await docs.getCheckpoint(projector);
          if (saved !== null && saved !== last) {
            last = saved;
            listener(parseSortablePosition(saved), null); // which documents: not known here
          }
          failing = false;
        } catch (err) {
          // the next poll tries again; one log line per outage
          if (!failing) logger.error({ err, projector }, 'reading a projection checkpoint failed');
          failing = true;
        }
        if (!stopped) timer = setTimeout(() => void poll(), intervalMs);
      };
      void poll();
      return () => {
        stopped = true;
        if (timer) clearTimeout(timer);
      };
    },
  };
}
