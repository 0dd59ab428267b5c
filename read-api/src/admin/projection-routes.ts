/** Projection operations for admins: versions, checkpoints and rebuild progress, and
 *  starting a rebuild (into new collections; the old ones serve until the switch). */
import { Router } from 'express';
import { actorOf, ConflictError, NotFoundError } from '@booking/shared-kernel';
import { RebuildRunningError, UnknownProjectionError, type ProjectionOps } from '@booking/projections';

export function projectionAdminRoutes(ops: ProjectionOps): Router {
  const router = Router();
  router.get('/admin/projections', async (req, res) => {
    actorOf(req, 'admin');
    res.json(await ops.list());
  });
  router.post('/admin/projections/:name/rebuild', (req, res) => {
    const admin = actorOf(req, 'admin');
    try {
      const progress = ops.rebuild(String(req.params.name));
      res
        .status(202)
        .location(`/api/admin/projections`)
        .json({ ...progress, requestedBy: admin.id });
    } catch (err) {
      if (err instanceof UnknownProjectionError) throw new NotFoundError('projection');
      if (err instanceof RebuildRunningError) throw new ConflictError(err.message);
      throw err;
    }
  });
  return router;
}
