/** Stream names: each one is a consistency boundary. */
export const streams = {
  offering: (offeringId: string) => `offering-${offeringId}`,
  inventory: (offeringId: string) => `inventory-${offeringId}`,
  /** a service slot, named by its UTC start in epoch milliseconds */
  slot: (offeringId: string, startUtc: Date | string) => `slot-${offeringId}-${new Date(startUtc).getTime()}`,
  booking: (bookingId: string) => `booking-${bookingId}`,
  payment: (paymentId: string) => `payment-${paymentId}`,
  user: (userId: string) => `user-${userId}`,
} as const;
