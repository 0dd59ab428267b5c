/** Stream names: each one is a consistency boundary. */
export const streams = {
  offering: (offeringId: string) => `offering-${offeringId}`,
  inventory: (offeringId: string) => `inventory-${offeringId}`,
  /** a service slot, named by its UTC start in epoch milliseconds */
  slot: (offeringId: string, startUtc: Date | string) => `slot-${offeringId}-${new Date(startUtc).getTime()}`,
  booking: (bookingId: string) => `booking-${bookingId}`,
  payment: (paymentId: string) => `payment-${paymentId}`,
  user: (userId: string) => `user-${userId}`,
  /** owner of an email address: `email-<sha256(lower-case email)>` */
  userEmail: (emailHash: string) => `email-${emailHash}`,
  /** owner of a Google/Apple identity: `idp-<provider>-<sha256(sub)>` */
  externalIdentity: (provider: string, subjectHash: string) => `idp-${provider}-${subjectHash}`,
} as const;
