/** A customer's bookings: placing one, paying for it in the sandbox, cancelling it. */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { api, toApiError, type ApiError } from '../lib/api';
import { readAttribution } from '../lib/attribution';
import { trackCheckoutStarted } from '../lib/conversions';
import type { Booking, CommandResult, Page, PlacedBooking, SandboxOutcome, StartedPayment } from '../lib/types';

export type PaymentMethod = 'card' | 'paypal';

export interface PlaceBookingInput {
  offeringId: string;
  quantity?: number;
  slotStart?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Reads a booking until `done` holds or the time runs out; the last read either way. */
export async function pollBooking(
  id: string,
  done: (b: Booking) => boolean,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<Booking> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  for (;;) {
    const b = await api.get<Booking>(`/api/bookings/${encodeURIComponent(id)}`);
    if (done(b) || Date.now() >= deadline) return b;
    await sleep(options.intervalMs ?? 400);
  }
}

/** Paid but the booking has not been confirmed yet (the confirmation reactor is behind). */
export function isSettling(b: Booking): boolean {
  return b.status === 'PENDING' && b.payment?.status === 'SUCCEEDED';
}

export const useBookingsStore = defineStore('bookings', () => {
  const mine = ref<Booking[]>([]);
  const total = ref(0);
  const loading = ref(false);
  const error = ref<ApiError | null>(null);

  const current = ref<Booking | null>(null);
  const currentError = ref<ApiError | null>(null);
  /** the payment started for the current booking, if any */
  const payment = ref<StartedPayment | null>(null);

  async function loadMine(): Promise<void> {
    loading.value = true;
    error.value = null;
    try {
      const page = await api.get<Page<Booking>>('/api/me/bookings', { query: { pageSize: 100 } });
      mine.value = page.items;
      total.value = page.total;
    } catch (err) {
      error.value = toApiError(err);
    } finally {
      loading.value = false;
    }
  }

  async function load(id: string): Promise<Booking | null> {
    currentError.value = null;
    try {
      const b = await api.get<Booking>(`/api/bookings/${encodeURIComponent(id)}`);
      current.value = b;
      return b;
    } catch (err) {
      currentError.value = toApiError(err);
      return null;
    }
  }

  /** Places a hold; the landing page's attribution goes along. Throws ApiError. */
  async function place(input: PlaceBookingInput): Promise<PlacedBooking> {
    const attribution = readAttribution();
    const body = { ...input, ...(attribution ? { attribution } : {}) };
    const placed = await api.post<PlacedBooking>('/api/bookings', body);
    payment.value = null;
    return placed;
  }

  /**
   * Starts (or resumes) paying with `card` (the sandbox or Stripe) or `paypal`. The server
   * keeps one payment per booking: choosing another method replaces the open attempt.
   */
  async function startPayment(bookingId: string, method: PaymentMethod = 'card'): Promise<StartedPayment> {
    if (payment.value && payment.value.bookingId === bookingId && (payment.value.method ?? 'card') === method)
      return payment.value;
    const started = await api.post<StartedPayment>(
      `/api/bookings/${encodeURIComponent(bookingId)}/payment`,
      method === 'card' ? {} : { method },
    );
    payment.value = { ...started, method };
    // the server forwards InitiateCheckout with the same event id
    if (current.value?.id === bookingId) trackCheckoutStarted(current.value);
    return payment.value;
  }

  /** A booking pushed by the live stream: replace it wherever it is shown. */
  function applyLive(b: Booking): void {
    if (current.value?.id === b.id) current.value = b;
    replaceInList(b);
  }

  /** Starts (or resumes) the payment, then confirms the card in the sandbox. */
  async function payWithCard(bookingId: string, cardNumber: string): Promise<SandboxOutcome> {
    const started = await startPayment(bookingId);
    return api.post<SandboxOutcome>(`/api/payments/${encodeURIComponent(started.paymentId)}/sandbox-confirm`, {
      cardNumber,
    });
  }

  /** After a successful payment: waits for the booking to leave PENDING. */
  async function waitForConfirmation(bookingId: string): Promise<Booking> {
    const b = await pollBooking(bookingId, (x) => x.status !== 'PENDING', { timeoutMs: 15_000 });
    current.value = b;
    replaceInList(b);
    return b;
  }

  function replaceInList(b: Booking): void {
    const i = mine.value.findIndex((x) => x.id === b.id);
    if (i >= 0) mine.value.splice(i, 1, b);
  }

  async function cancel(bookingId: string, reason: string): Promise<Booking> {
    await api.post<CommandResult>(`/api/bookings/${encodeURIComponent(bookingId)}/cancel`, { reason });
    const b = await api.get<Booking>(`/api/bookings/${encodeURIComponent(bookingId)}`);
    replaceInList(b);
    if (current.value?.id === b.id) current.value = b;
    return b;
  }

  return {
    mine,
    total,
    loading,
    error,
    current,
    currentError,
    payment,
    loadMine,
    load,
    place,
    startPayment,
    payWithCard,
    waitForConfirmation,
    cancel,
    replaceInList,
    applyLive,
  };
});
