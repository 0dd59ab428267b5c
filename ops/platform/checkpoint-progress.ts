import {
  comparePositions,
  formatPosition,
  parseSortablePosition,
  START,
  type DocumentStore,
  type EventStore,
  type GlobalPosition,
} from '@booking/shared-kernel';
import type { ReadModelProgress } from '@booking/read-api';

/** Progress of projectors running in another process, read from their checkpoints. */
export function checkpointProgress(
  store: EventStore,
  docs: DocumentStore,
  projectors: readonly string[],
): ReadModelProgress {
  async function applied(): Promise<GlobalPosition> {
    let min: GlobalPosition | null = null;
    for (const name of projectors) {
      const saved = await docs.getCheckpoint(name);
      const p = saved ? parseSortablePosition(saved) : START;
      if (min === null || comparePositions(p, min) < 0) min = p;
    }
    return min ?? START;
  }
  return {
    async waitFor(position, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (comparePositions(await applied(), position) >= 0) return true;
        if (Date.now() >= deadline) return false;
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async status() {
      const [head, at] = await Promise.all([store.headPosition(), applied()]);
      return { head: formatPosition(head), applied: formatPosition(at), lag: (head.commit - at.commit).toString() };
    },
  };
}
