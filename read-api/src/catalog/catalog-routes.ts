import { Router } from 'express';
import { actorOf, NotFoundError, parseInput, ValidationError, type Filter } from '@booking/shared-kernel';
import type { OfferingDoc } from '@booking/projections';
import { AvailabilityQuery, CatalogQuery, MAX_RANGE_DAYS, ProviderOfferingsQuery } from './catalog-queries.js';
import { productAvailable, serviceSlots } from './availability-view.js';
import { escapeRegex, pageWindow, publicDoc, type Page } from '../http/paging.js';
import type { ReadApiDeps } from '../http/deps.js';
import { boundingBox, haversineKm, type LatLng } from '../geo/distance.js';
import { LAT_LNG } from '../geo/geo-queries.js';

const DAY = 86_400_000;

function range(
  fromText: string | undefined,
  toText: string | undefined,
  now: Date,
  defaultDays: number,
  toField = 'to',
): { from: Date; to: Date } {
  const from = fromText ? new Date(fromText) : now;
  const to = toText ? new Date(toText) : new Date(from.getTime() + defaultDays * DAY);
  if (to <= from) throw new ValidationError('the end of the range must be after its start', toField);
  if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * DAY) {
    throw new ValidationError(`a range spans at most ${MAX_RANGE_DAYS} days`, toField);
  }
  return { from, to };
}

/** `near` and `radiusKm` of a distance search; null without `near` */
function nearOf(q: CatalogQuery): { lat: number; lng: number; radiusKm: number | null } | null {
  if (q.near === undefined) {
    if (q.radiusKm !== undefined) throw new ValidationError('radiusKm needs near=<lat>,<lng>', 'near');
    if (q.sort === 'distance') throw new ValidationError('sort=distance needs near=<lat>,<lng>', 'near');
    return null;
  }
  const [, latText, lngText] = LAT_LNG.exec(q.near)!;
  const lat = Number(latText);
  const lng = Number(lngText);
  if (lat < -90 || lat > 90) throw new ValidationError('the latitude of near must be between -90 and 90', 'near');
  if (lng < -180 || lng > 180) throw new ValidationError('the longitude of near must be between -180 and 180', 'near');
  return { lat, lng, radiusKm: q.radiusKm ?? null };
}

/** km from `center` to the offering; null when it has no coordinates */
function distanceTo(center: LatLng, o: OfferingDoc): number | null {
  const lat = o.location?.lat;
  const lng = o.location?.lng;
  return typeof lat === 'number' && typeof lng === 'number' ? haversineKm(center, { lat, lng }) : null;
}

function catalogView(o: OfferingDoc) {
  const { searchText: _s, schedule: _sc, ...rest } = publicDoc(o);
  return {
    ...rest,
    ...(o.kind === 'product' ? { available: productAvailable(o) } : { timeZone: o.schedule?.timeZone ?? null }),
  };
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
      filter['price.amount'] = {
        ...(q.minPrice !== undefined ? { $gte: q.minPrice } : {}),
        ...(q.maxPrice !== undefined ? { $lte: q.maxPrice } : {}),
      };
    }
    const center = nearOf(q);
    if (center) {
      // narrow the candidates in the store; the exact distance is computed below
      const box = boundingBox(center, center.radiusKm ?? Infinity);
      filter['location.lat'] = { $gte: box.lat[0], $lte: box.lat[1] };
      filter['location.lng'] = box.lng ? { $gte: box.lng[0], $lte: box.lng[1] } : { $gte: -180, $lte: 180 };
    }
    const sort: Record<string, 1 | -1> =
      q.sort === 'price'
        ? { 'price.amount': 1 }
        : q.sort === '-price'
          ? { 'price.amount': -1 }
          : q.sort === 'newest'
            ? { publishedAt: -1 }
            : { title: 1 };
    const { page, pageSize, skip } = pageWindow(q);
    let result: Page<ReturnType<typeof catalogView> & { distanceKm?: number }>;
    if (q.availableFrom || q.availableTo || center) {
      // Distance and availability are computed in code: filter after the query.
      let candidates = (await offerings().find(filter, { sort })).map((o) => ({
        o,
        distanceKm: center ? distanceTo(center, o) : null,
      }));
      if (center) {
        candidates = candidates.filter((c) => c.distanceKm !== null && c.distanceKm <= (center.radiusKm ?? Infinity));
        // stable: equal distances keep the store's order (title)
        if (q.sort === undefined || q.sort === 'distance') candidates.sort((a, b) => a.distanceKm! - b.distanceKm!);
      }
      if (q.availableFrom || q.availableTo) {
        const now = deps.clock.now();
        const { from, to } = range(q.availableFrom, q.availableTo, now, 7, 'availableTo');
        const available: typeof candidates = [];
        for (const c of candidates) {
          const o = c.o;
          const ok =
            o.kind === 'product'
              ? productAvailable(o) > 0
              : (await serviceSlots(deps.docs, o, from, to, now)).some((s) => s.seatsLeft > 0);
          if (ok) available.push(c);
        }
        candidates = available;
      }
      const items = candidates.slice(skip, skip + pageSize).map(({ o, distanceKm }) => ({
        ...catalogView(o),
        ...(distanceKm !== null ? { distanceKm: Math.round(distanceKm * 1000) / 1000 } : {}),
      }));
      result = { items, total: candidates.length, page, pageSize };
    } else {
      const [items, total] = await Promise.all([
        offerings().find(filter, { sort, skip, limit: pageSize }),
        offerings().count(filter),
      ]);
      result = { items: items.map(catalogView), total, page, pageSize };
    }
    res.json(result);
  });

  router.get('/offerings/:offeringId', async (req, res) => {
    const q = parseInput(AvailabilityQuery, req.query, 'query');
    const offering = await offerings().get(String(req.params.offeringId));
    const actor = req.headers.authorization ? actorOf(req) : null;
    const mayseeUnpublished =
      actor && (actor.role === 'admin' || (actor.role === 'provider' && actor.id === offering?.providerId));
    if (!offering || (offering.status !== 'published' && !mayseeUnpublished)) throw new NotFoundError('offering');
    const now = deps.clock.now();
    const { from, to } = range(q.from, q.to, now, 7);
    const { searchText: _s, ...view } = publicDoc(offering);
    res.json({
      ...view,
      ...(offering.kind === 'product'
        ? { available: productAvailable(offering) }
        : {
            slots: await serviceSlots(deps.docs, offering, from, to, now),
            range: { from: from.toISOString(), to: to.toISOString() },
          }),
    });
  });

  router.get('/provider/offerings', async (req, res) => {
    const actor = actorOf(req, 'provider');
    const q = parseInput(ProviderOfferingsQuery, req.query, 'query');
    const filter: Filter = { providerId: actor.id, ...(q.status ? { status: q.status } : {}) };
    const { page, pageSize, skip } = pageWindow(q);
    const [items, total] = await Promise.all([
      offerings().find(filter, { sort: { createdAt: -1 }, skip, limit: pageSize }),
      offerings().count(filter),
    ]);
    res.json({
      items: items.map((o) => {
        const { searchText: _s, ...v } = publicDoc(o);
        return { ...v, ...(o.kind === 'product' ? { available: productAvailable(o) } : {}) };
      }),
      total,
      page,
      pageSize,
    });
  });

  return router;
}
