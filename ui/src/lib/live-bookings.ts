/**
 * Live booking updates for a page: `GET /api/live/bookings` (optionally `?bookingId=`)
 * streams `event: booking` with the booking as `GET /api/bookings/:id` returns it. The
 * server sends only what the caller may see. While the stream is unavailable (an older
 * server, or a 404), `status` says so and pages keep their own refresh.
 */
import { getCurrentScope, onScopeDispose, ref, watch, type Ref } from 'vue';
import { authHeaders, clientFetch } from './api';
import { openEventStream, type EventStream, type StreamStatus } from './sse';
import type { Booking } from './types';
import { useSessionStore } from '../stores/session';

export interface LiveBookingsOptions {
  /** one booking only; null/undefined: every booking the caller may see */
  bookingId?: () => string | null | undefined;
  onBooking: (booking: Booking) => void;
}

export function isBooking(value: unknown): value is Booking {
  const b = value as Partial<Booking> | null;
  return !!b && typeof b === 'object' && typeof b.id === 'string' && typeof b.status === 'string';
}

export function useLiveBookings(options: LiveBookingsOptions): { status: Ref<StreamStatus> } {
  const session = useSessionStore();
  const status = ref<StreamStatus>('closed');
  let stream: EventStream | null = null;

  function stop(): void {
    stream?.close();
    stream = null;
  }

  function start(): void {
    stop();
    if (!session.signedIn) {
      status.value = 'closed';
      return;
    }
    const id = options.bookingId?.();
    const { fetch, baseUrl } = clientFetch();
    const query = id ? `?bookingId=${encodeURIComponent(id)}` : '';
    stream = openEventStream({
      url: `${baseUrl}/api/live/bookings${query}`,
      headers: authHeaders,
      fetch,
      onUnauthorized: () => session.refresh(),
      onStatus: (s) => {
        status.value = s;
      },
      onEvent: (e) => {
        if (e.event !== 'booking') return;
        let body: unknown;
        try {
          body = JSON.parse(e.data);
        } catch {
          return; // not JSON: nothing to show; the next event or a reload brings the state
        }
        if (isBooking(body) && (!id || body.id === id)) options.onBooking(body);
      },
    });
  }

  // a renewed token keeps the stream; signing in or out, another user or booking restarts it
  watch(
    () => [session.signedIn ? (session.user?.id ?? null) : null, options.bookingId?.() ?? null] as const,
    () => start(),
    { immediate: true },
  );
  if (getCurrentScope()) onScopeDispose(stop);
  return { status };
}
