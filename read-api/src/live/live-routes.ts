/**
 * GET /live/bookings: the changes of the bookings the caller may see (the same rule as
 * GET /bookings/:id), as Server-Sent Events. Each change is `event: booking`, `id:` the
 * global position of the last event applied to the booking, `data:` the booking as
 * GET /bookings/:id returns it. `Last-Event-ID` resumes after that position;
 * `?bookingId=` narrows to one booking.
 */
import { Router, type Request } from 'express';
import { actorOf, parseInput, ValidationError, type Filter, type Logger } from '@booking/shared-kernel';
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
}

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
  });

  return router;
}
