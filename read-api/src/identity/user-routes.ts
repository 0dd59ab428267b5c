/** Users: `GET /me` (the caller's profile) and the admin's list/search and detail. */
import { Router } from 'express';
import { IsIn, IsOptional, IsString, Length } from 'class-validator';
import { actorOf, NotFoundError, parseInput, type Filter } from '@booking/shared-kernel';
import type { UserDoc } from '@booking/projections';
import { escapeRegex, pageWindow, PageQuery, publicDoc } from '../http/paging.js';
import type { ReadApiDeps } from '../http/deps.js';

export class UserListQuery extends PageQuery {
  /** free text over email and name */
  @IsOptional() @IsString() @Length(1, 100) q?: string;
  @IsOptional() @IsIn(['customer', 'provider', 'admin']) role?: string;
  @IsOptional() @IsIn(['active', 'suspended']) status?: string;
  @IsOptional() @IsIn(['pending', 'approved', 'rejected']) providerApplication?: string;
}

function view(doc: UserDoc) {
  const { searchText: _s, ...rest } = publicDoc(doc);
  return rest;
}

export function userRoutes(deps: ReadApiDeps): Router {
  const router = Router();
  const users = () => deps.docs.collection<UserDoc>('users');

  router.get('/me', async (req, res) => {
    const actor = actorOf(req);
    const doc = await users().get(actor.id);
    if (!doc) {
      // a demo/test identity without an account
      res.json({
        id: actor.id,
        role: actor.role,
        roles: actor.roles ?? [actor.role],
        name: actor.name ?? null,
        account: false,
      });
      return;
    }
    res.json({ ...view(doc), role: actor.role, account: true });
  });

  router.get('/admin/users', async (req, res) => {
    actorOf(req, 'admin');
    const q = parseInput(UserListQuery, req.query, 'query');
    const filter: Filter = {};
    if (q.q) filter.searchText = { $regex: escapeRegex(q.q.toLowerCase()) };
    if (q.role) filter.roles = q.role;
    if (q.status) filter.status = q.status;
    if (q.providerApplication) filter['providerApplication.status'] = q.providerApplication;
    const { page, pageSize, skip } = pageWindow(q);
    const [items, total] = await Promise.all([
      users().find(filter, { sort: { createdAt: -1 }, skip, limit: pageSize }),
      users().count(filter),
    ]);
    res.json({ items: items.map(view), total, page, pageSize });
  });

  router.get('/admin/users/:userId', async (req, res) => {
    actorOf(req, 'admin');
    const doc = await users().get(String(req.params.userId));
    if (!doc) throw new NotFoundError('user');
    res.json(view(doc));
  });

  return router;
}
