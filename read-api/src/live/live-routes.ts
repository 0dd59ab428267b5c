/**
 * GET /live/bookings: the changes of the bookings the caller may see (the same rule as
 * GET /bookings/:id), as Server-Sent Events. Each change is `event: booking`, `id:` the
 * global position of the last event applied to the booking, `data:` the booking as
 * GET /bookings/:id returns it. `Last-Event-ID` resumes after that position;
 * `?bookingId=` narrows to one booking.
 */
import { Router, type Request } from 'express';
import {
  actorOf,
  ForbiddenError,
  parseInput,
  UnauthorizedError,
  ValidationError,
  type Filter,
  type Logger,
  type UserActor,
} from '@booking/shared-kernel';
import { publicDoc } from '../http/paging.js';
import { visibleBookingsFilter, visibleTo } from '../booking/booking-visibility.js';
import { LiveBookingsQuery } from './live-queries.js';
import { resumePosition, type LiveBookingFeed } from './live-booking-feed.js';
import { SseStream } from './sse-stream.js';

export interface LiveDeps {
  feed: LiveBookingFeed;
  logger: Logger;
  /** comment heartbeat interval (default 15 s) */
  heartbeatMs?: number;
  /** a client that lets this much pile up unread is cut off (default 1 MiB) */
  maxBufferedBytes?: number;
  /**
   * The caller as the user's current state says now (see `recheckActor`); rejects with
   * UnauthorizedError once the session is revoked or the user suspended. Without it a
   * stream lives until its token expires.
   */
  recheck?: (req: Request) => Promise<UserActor | null>;
  /** how often an open stream rechecks its caller (default 15 s) */
  recheckMs?: number;
}

const sameRoles = (a: UserActor, b: UserActor): boolean =>
  a.role === b.role && (a.roles ?? [a.role]).join() === (b.roles ?? [b.role]).join();

/** When the bearer token (already verified by `authenticate`) expires, in epoch ms. */
function tokenExpiry(req: Request): number | null {
  const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  const payload = token?.split('.')[1];
  if (!payload) return null;
  try {
    const exp = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp * 1000 : null;
  } catch {
    return null;
  }
}

export function liveRoutes(deps: LiveDeps): Router {
  const router = Router();

  router.get('/live/bookings', (req, res) => {
    const actor = actorOf(req);
    const visible = visibleBookingsFilter(actor);
    const query = parseInput(LiveBookingsQuery, req.query, 'query');
    const lastEventId = req.header('last-event-id');
    const resume = lastEventId === undefined ? null : resumePosition(lastEventId);
    if (lastEventId !== undefined && resume === null) {
      throw new ValidationError('Last-Event-ID must be the id of an event of this stream, e.g. "42"', 'Last-Event-ID');
    }
    const bookingId = query.bookingId;
    const filter: Filter = bookingId ? { $and: [visible, { _id: bookingId }] } : visible;

    const stream = new SseStream(res, {
      heartbeatMs: deps.heartbeatMs ?? 15_000,
      endAt: tokenExpiry(req),
      maxBufferedBytes: deps.maxBufferedBytes ?? 1024 * 1024,
      logger: deps.logger,
    });
    stream.open();
    const unsubscribe = deps.feed.subscribe(
      {
        filter,
        accepts: (doc) => visibleTo(actor, doc) && (bookingId === undefined || doc._id === bookingId),
        deliver: (doc, position) => stream.send('booking', position, publicDoc(doc)),
        end: () => stream.end(),
      },
      resume,
    );
    res.on('close', unsubscribe);

    // A token outlives a logout or a suspension by up to its lifetime: an open stream asks
    // again, as every new request does, and ends when the answer changed (a reconnect then
    // gets a 401, or a stream filtered for the current roles).
    const recheck = deps.recheck;
    if (recheck) {
      let checking = false;
      const timer = setInterval(() => {
        if (checking) return;
        checking = true;
        recheck(req)
          .then(
            (now) => {
              if (now && sameRoles(now, actor)) return;
              deps.logger.info({ userId: actor.id }, "live stream: the caller's roles changed; closing it");
              stream.end();
            },
            (err: unknown) => {
              if (err instanceof UnauthorizedError || err instanceof ForbiddenError) {
                deps.logger.info(
                  { userId: actor.id, reason: err.message },
                  'live stream: the caller may no longer read; closing it',
                );
                stream.end();
              } else {
                // the check itself failed (e.g. the store): keep the stream, try again next time
                deps.logger.warn({ err, userId: actor.id }, 'live stream: could not recheck the caller');
              }
            },
          )
          .finally(() => {
            checking = false;
          });
      }, deps.recheckMs ?? 15_000);
      res.on('close', () => clearInterval(timer));
    }
  });

  return router;
}
