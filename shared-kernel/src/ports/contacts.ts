/**
 * Who a user id is, for effects that address people (mail, SMS, receipts, conversions).
 * The platform answers from the identity context's `users` read model and falls back to
 * a static list (the demo users) while that context has no record of the id.
 */
export interface Contact {
  readonly id: string;
  readonly name: string;
  readonly email?: string;
  /** E.164 when known */
  readonly phone?: string;
  /** channels the user opted out of (transactional mail about their own bookings still
   *  goes out unless `email` is listed here) */
  readonly optOut?: readonly ('email' | 'sms')[];
}

export interface ContactDirectory {
  contact(userId: string): Promise<Contact | null>;
}
