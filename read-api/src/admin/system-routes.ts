/**
 * GET /api/admin/system (admins): how far each projection and reactor has got, from what
 * every process shares (checkpoints, dead letters, the log head) and, for the runners in
 * this process, their live state. Positions and lags are strings (64-bit).
 */
import { Router } from 'express';
import { actorOf } from '@booking/shared-kernel';

export interface ProjectionProgress {
  name: string;
  /** global position applied (null: nothing yet) */
  position: string | null;
  /** events (log bytes on EventStoreDB) between the head and `position` */
  lag: string;
}

export interface ReactorProgress {
  name: string;
  /** `live`: the runner in the process that answered; `checkpoint`: its saved checkpoint;
   *  `kafka`: a consumer group in another process, whose offsets live in Kafka */
  source: 'live' | 'checkpoint' | 'kafka';
  position: string | null;
  /** events between the head and `position` (null when only Kafka knows) */
  backlog: string | null;
  /** dead letters parked for it in `reactor_dead_letters` */
  parked: number;
}

export interface SystemStatus {
  generatedAt: string;
  /** position of the last event in the log (null: empty log) */
  head: string | null;
  projections: ProjectionProgress[];
  /** the projector process's runner state when it is this process, else null */
  projectionRunner: { running: boolean; lastError: string | null } | null;
  reactors: ReactorProgress[];
  relay: { position: string | null; lag: string; source: 'live' | 'checkpoint' } | null;
}

export function systemRoutes(status: () => Promise<SystemStatus>): Router {
  const router = Router();
  router.get('/admin/system', async (req, res) => {
    actorOf(req, 'admin');
    res.setHeader('cache-control', 'no-store');
    res.json(await status());
  });
  return router;
}
