import type { Role } from './types';

/** Where a user lands after signing in, by primary role. */
export function homeFor(role: Role): string {
  switch (role) {
    case 'provider':
      return '/provider/offerings';
    case 'admin':
      return '/admin/bookings';
    default:
      return '/';
  }
}
