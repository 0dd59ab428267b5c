/** The admin's view of every booking, and the manual payment actions. */
import { defineStore } from 'pinia';
import { reactive, ref } from 'vue';
import { api, toApiError, type ApiError } from '../lib/api';
import { pollBooking } from './bookings';
import type { Booking, BookingStatus, CommandResult, Money, Page, PaymentDetail } from '../lib/types';

const enc = encodeURIComponent;

export interface AdminFilters {
  status: '' | BookingStatus;
  customerId: string;
  providerId: string;
  page: number;
}

export const ADMIN_PAGE_SIZE = 25;

export const useAdminStore = defineStore('admin', () => {
  const filters = reactive<AdminFilters>({ status: '', customerId: '', providerId: '', page: 1 });
  const bookings = ref<Booking[]>([]);
  const total = ref(0);
  const loading = ref(false);
  const error = ref<ApiError | null>(null);

  const booking = ref<Booking | null>(null);
  const payment = ref<PaymentDetail | null>(null);
  const detailError = ref<ApiError | null>(null);
  const detailLoading = ref(false);

  async function loadBookings(): Promise<void> {
    loading.value = true;
    error.value = null;
    try {
      const page = await api.get<Page<Booking>>('/api/admin/bookings', {
        query: {
          status: filters.status,
          customerId: filters.customerId.trim(),
          providerId: filters.providerId.trim(),
          page: filters.page > 1 ? filters.page : undefined,
          pageSize: ADMIN_PAGE_SIZE,
        },
      });
      bookings.value = page.items;
      total.value = page.total;
      unseen.value = 0;
    } catch (err) {
      error.value = toApiError(err);
    } finally {
      loading.value = false;
    }
  }

  async function loadBooking(id: string): Promise<void> {
    detailLoading.value = true;
    detailError.value = null;
    try {
      const b = await api.get<Booking>(`/api/bookings/${enc(id)}`);
      booking.value = b;
      payment.value = null;
      if (b.payment) {
        // one payment per booking: its id is the booking's
        try {
          payment.value = await api.get<PaymentDetail>(`/api/payments/${enc(id)}`);
        } catch {
          payment.value = null;
        }
      }
    } catch (err) {
      detailError.value = toApiError(err);
      booking.value = null;
    } finally {
      detailLoading.value = false;
    }
  }

  async function markPaid(bookingId: string, reason: string): Promise<void> {
    await api.post<CommandResult>(`/api/payments/${enc(bookingId)}/mark-paid`, { reason });
    // the booking is confirmed by a reactor right after the payment is recorded
    await pollBooking(bookingId, (b) => b.status !== 'PENDING', { timeoutMs: 8000 }).catch(() => null);
    await loadBooking(bookingId);
  }

  async function refund(bookingId: string, reason: string, amount?: Money): Promise<void> {
    await api.post<CommandResult>(`/api/payments/${enc(bookingId)}/refund`, { reason, ...(amount ? { amount } : {}) });
    await loadBooking(bookingId);
  }

  /** bookings the live stream reported that this page of the table does not show */
  const unseen = ref(0);

  /** A booking pushed by the live stream: its row changes in place; others are counted, not inserted (paging stays put). */
  function applyLive(b: Booking): void {
    const i = bookings.value.findIndex((x) => x.id === b.id);
    if (i >= 0) bookings.value.splice(i, 1, b);
    else unseen.value++;
    if (booking.value?.id === b.id) booking.value = b;
  }

  return {
    unseen,
    applyLive,
    filters,
    bookings,
    total,
    loading,
    error,
    booking,
    payment,
    detailError,
    detailLoading,
    loadBookings,
    loadBooking,
    markPaid,
    refund,
  };
});
