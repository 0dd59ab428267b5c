/** A provider's own offerings and the bookings made for them. */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { api, toApiError, type ApiError } from '../lib/api';
import type {
  Booking,
  BookingStatus,
  CommandResult,
  CreateOfferingBody,
  Money,
  OfferingDetail,
  Page,
} from '../lib/types';

const enc = encodeURIComponent;

export const useProviderStore = defineStore('provider', () => {
  const offerings = ref<OfferingDetail[]>([]);
  const offeringsLoading = ref(false);
  const offeringsError = ref<ApiError | null>(null);

  const bookings = ref<Booking[]>([]);
  const bookingsLoading = ref(false);
  const bookingsError = ref<ApiError | null>(null);
  const bookingStatus = ref<'' | BookingStatus>('');

  async function loadOfferings(): Promise<void> {
    offeringsLoading.value = true;
    offeringsError.value = null;
    try {
      const page = await api.get<Page<OfferingDetail>>('/api/provider/offerings', { query: { pageSize: 100 } });
      offerings.value = page.items;
    } catch (err) {
      offeringsError.value = toApiError(err);
    } finally {
      offeringsLoading.value = false;
    }
  }

  async function create(body: CreateOfferingBody): Promise<string> {
    const res = await api.post<CommandResult & { offeringId: string }>('/api/offerings', body);
    await loadOfferings();
    return res.offeringId;
  }

  async function change(path: string, method: 'put' | 'post', body?: unknown): Promise<void> {
    if (method === 'put') await api.put<CommandResult>(path, body);
    else await api.post<CommandResult>(path, body);
    await loadOfferings();
  }

  const changePrice = (id: string, price: Money) => change(`/api/offerings/${enc(id)}/price`, 'put', { price });
  const setStock = (id: string, stock: number) => change(`/api/offerings/${enc(id)}/stock`, 'put', { stock });
  const changeSeats = (id: string, seatsPerSlot: number) =>
    change(`/api/offerings/${enc(id)}/seats`, 'put', { seatsPerSlot });
  const publish = (id: string) => change(`/api/offerings/${enc(id)}/publish`, 'post');
  const retire = (id: string) => change(`/api/offerings/${enc(id)}/retire`, 'post');

  async function loadBookings(): Promise<void> {
    bookingsLoading.value = true;
    bookingsError.value = null;
    try {
      const page = await api.get<Page<Booking>>('/api/provider/bookings', {
        query: { pageSize: 100, status: bookingStatus.value },
      });
      bookings.value = page.items;
    } catch (err) {
      bookingsError.value = toApiError(err);
    } finally {
      bookingsLoading.value = false;
    }
  }

  async function bookingAction(id: string, action: 'complete' | 'no-show'): Promise<void> {
    await api.post<CommandResult>(`/api/bookings/${enc(id)}/${action}`);
    const b = await api.get<Booking>(`/api/bookings/${enc(id)}`);
    const i = bookings.value.findIndex((x) => x.id === id);
    if (i >= 0) bookings.value.splice(i, 1, b);
  }

  /** A booking pushed by the live stream: updated in place, or added on top when it is new and matches the filter. */
  function applyLive(b: Booking): void {
    const i = bookings.value.findIndex((x) => x.id === b.id);
    if (i >= 0) bookings.value.splice(i, 1, b);
    else if (!bookingStatus.value || bookingStatus.value === b.status) bookings.value.unshift(b);
  }

  return {
    applyLive,
    offerings,
    offeringsLoading,
    offeringsError,
    bookings,
    bookingsLoading,
    bookingsError,
    bookingStatus,
    loadOfferings,
    create,
    changePrice,
    setStock,
    changeSeats,
    publish,
    retire,
    loadBookings,
    bookingAction,
  };
});
