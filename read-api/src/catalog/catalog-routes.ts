import { Router } from 'express';
import { actorOf, NotFoundError, parseInput, ValidationError, type Filter } from '@booking/shared-kernel';
import type { OfferingDoc } from '@booking/projections';
import { AvailabilityQuery, CatalogQuery, MAX_RANGE_DAYS, ProviderOfferingsQuery } from './catalog-queries.js';
import { productAvailable, serviceSlots } from './availability-view.js';
import { escapeRegex, pageWindow, publicDoc, type Page } from '../http/paging.js';
import type { ReadApiDeps } from '../http/deps.js';

const DAY = 86_400_000;

function range(fromText: string | undefined, toText: string | undefined, now: Date, defaultDays: number, toField = 'to'): { from: Date; to: Date } {
  const from = fromText ? new Date(fromText) : now;
  const to = toText ? new Date(toText) : new Date(from.getTime() + defaultDays * DAY);
  if (to <= from) throw new ValidationError('the end of the range must be after its start', toField);
  if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * DAY) {
    throw new ValidationError(`a range spans at most ${MAX_RANGE_DAYS} days`, toField);
  }
  return { from, to };
}

function catalogView(o: OfferingDoc) {
  const { searchText: _s, schedule: _sc, ...rest } = publicDoc(o);
  return { ...rest, ...(o.kind === 'product' ? { available: productAvailable(o) } : { timeZone: o.schedule?.timeZone ?? null }) };
}

export function catalogRoutes(deps: ReadApiDeps): Router {
  const router = Router();
  const offerings = () => deps.docs.collection<OfferingDoc>('offerings');

  router.get('/offerings', async (req, res) => {
    const q = parseInput(CatalogQuery, req.query, 'query');
    const filter: Filter = { status: 'published' };
    if (q.kind) filter.kind = q.kind;
    if (q.providerId) filter.providerId = q.providerId;
    if (q.category) filter.category = q.category;
    if (q.currency) filter['price.currency'] = q.currency;
    if (q.q) filter.searchText = { $regex: escapeRegex(q.q.toLowerCase()) };
    if (q.minPrice !== undefined || q.maxPrice !== undefined) {
      filter['price.amount'] = { ...(q.minPrice !== undefined ? { $gte: q.minPrice } : {}), ...(q.maxPrice !== undefined ? { $lte: q.maxPrice } : {}) };
    }
    const sort: Record<string, 1 | -1> =
      q.sort === 'price' ? { 'price.amount': 1 } : q.sort === '-price' ? { 'price.amount': -1 } : q.sort === 'newest' ? { publishedAt: -1 } : { title: 1 };
    const { page, pageSize, skip } = pageWindow(q);
    let result: Page<ReturnType<typeof catalogView>>;
    if (q.availableFrom || q.availableTo) {
      // Availability depends on the schedule and the slots taken: filter after the query.
      const now = deps.clock.now();
      const { from, to } = range(q.availableFrom, q.availableTo, now, 7, 'availableTo');
      const candidates = await offerings().find(filter, { sort });
      const matching: OfferingDoc[] = [];
      for (const o of candidates) {
        const ok = o.kind === 'product' ? productAvailable(o) > 0 : (await serviceSlots(deps.docs, o, from, to, now)).some((s) => s.seatsLeft > 0);
        if (ok) matching.push(o);
      }
      result = { items: matching.slice(skip, skip + pageSize).map(catalogView), total: matching.length, page, pageSize };
    } else {
      const [items, total] = await Promise.all([offerings().find(filter, { sort, skip, limit: pageSize }), offerings().count(filter)]);
      result = { items: items.map(catalogView), total, page, pageSize };
    }
    res.json(result);
  });

  router.get('/offerings/:offeringId', async (req, res) => {
    const q = parseInput(AvailabilityQuery, req.query, 'query');
    const offering = await offerings().get(String(req.params.offeringId));
    const actor = req.headers.authorization ? actorOf(req) : null;
    const mayseeUnpublished = actor && (actor.role === 'admin' || (actor.role === 'provider' && actor.id === offering?.providerId));
    if (!offering || (offering.status !== 'published' && !mayseeUnpublished)) throw new NotFoundError('offering');
    const now = deps.clock.now();
    const { from, to } = range(q.from, q.to, now, 7);
    const { searchText: _s, ...view } = publicDoc(offering);
    res.json({
      ...view,
      ...(offering.kind === 'product'
        ? { available: productAvailable(offering) }
        : { slots: await serviceSlots(deps.docs, offering, from, to, now), range: { from: from.toISOString(), to: to.toISOString() } }),
    });
  });

  router.get('/provider/offerings', async (req, res) => {
    const actor = actorOf(req, 'provider');
    const q = parseInput(ProviderOfferingsQuery, req.query, 'query');
    const filter: Filter = { providerId: actor.id, ...(q.status ? { status: q.status } : {}) };
    const { page, pageSize, skip } = pageWindow(q);
    const [items, total] = await Promise.all([offerings().find(filter, { sort: { createdAt: -1 }, skip, limit: pageSize }), offerings().count(filter)]);
    res.json({ items: items.map((o) => { const { searchText: _s, ...v } = publicDoc(o); return { ...v, ...(o.kind === 'product' ? { available: productAvailable(o) } : {}) }; }), total, page, pageSize });
  });

  return router;
}
