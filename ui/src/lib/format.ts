/** Labels and tones for statuses, shared by lists, details and badges. */
import type { BookingStatus, OfferingStatus } from './types';

export type Tone = 'neutral' | 'info' | 'success' | 'warning' | 'danger';

const BOOKING: Record<BookingStatus, { label: string; tone: Tone }> = {
  PENDING: { label: 'Pending payment', tone: 'warning' },
  CONFIRMED: { label: 'Confirmed', tone: 'success' },
  CANCELLED: { label: 'Cancelled', tone: 'neutral' },
  EXPIRED: { label: 'Expired', tone: 'danger' },
  COMPLETED: { label: 'Completed', tone: 'info' },
  NO_SHOW: { label: 'No-show', tone: 'danger' },
};

export function bookingStatusLabel(status: string): string {
  return BOOKING[status as BookingStatus]?.label ?? status.charAt(0) + status.slice(1).toLowerCase().replace(/_/g, ' ');
}

export function bookingStatusTone(status: string): Tone {
  if (status === 'RESCHEDULED') return 'info';
  return BOOKING[status as BookingStatus]?.tone ?? 'neutral';
}

const OFFERING: Record<OfferingStatus, { label: string; tone: Tone }> = {
  draft: { label: 'Draft', tone: 'warning' },
  published: { label: 'Published', tone: 'success' },
  retired: { label: 'Retired', tone: 'neutral' },
};

export function offeringStatusLabel(status: OfferingStatus): string {
  return OFFERING[status]?.label ?? status;
}

export function offeringStatusTone(status: OfferingStatus): Tone {
  return OFFERING[status]?.tone ?? 'neutral';
}

export function paymentStatusLabel(status: string | undefined | null): string {
  switch (status) {
    case 'SUCCEEDED':
      return 'Paid';
    case 'FAILED':
      return 'Payment failed';
    case 'STARTED':
      return 'Payment started';
    default:
      return 'Not paid';
  }
}

export function actorLabel(role: string): string {
  switch (role) {
    case 'customer':
      return 'by the customer';
    case 'provider':
      return 'by the provider';
    case 'admin':
      return 'by an admin';
    case 'system':
      return 'automatically';
    default:
      return role ? `by ${role}` : '';
  }
}

export function shortId(id: string): string {
  return id.length > 8 ? id.slice(-8) : id;
}
