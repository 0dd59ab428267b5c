import { createHash } from 'node:crypto';

export const sha256Hex = (value: string | Buffer): string => createHash('sha256').update(value).digest('hex');

export const normaliseEmail = (email: string): string => email.trim().toLowerCase();

/** E.164: `+` and 8-15 digits; a number without country code is refused (null). */
export function normalisePhone(phone: string): string | null {
  const trimmed = phone.trim();
  const digits = trimmed.replace(/[^\d]/g, '');
  const withPlus = trimmed.startsWith('+') ? `+${digits}` : trimmed.startsWith('00') ? `+${digits.slice(2)}` : null;
  return withPlus && /^\+[1-9]\d{7,14}$/.test(withPlus) ? withPlus : null;
}

export const recipientHash = (channel: 'email' | 'sms', address: string): string =>
  sha256Hex(channel === 'email' ? normaliseEmail(address) : (normalisePhone(address) ?? address.trim()));
