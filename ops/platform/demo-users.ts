/**
 * The demo users of the embedded platform. Real registration and login come with the
 * identity context; until then these ids are what demo tokens are minted for.
 */
import type { UserRole } from '@booking/shared-kernel';

export interface DemoUser {
  id: string;
  role: UserRole;
  name: string;
  email: string;
}

export const DEMO_USERS: readonly DemoUser[] = [
  { id: 'admin-ada', role: 'admin', name: 'Ada Admin', email: 'ada@booking.example' },
  { id: 'provider-lumen-yoga', role: 'provider', name: 'Lumen Yoga Studio', email: 'hello@lumen-yoga.example' },
  { id: 'provider-harbor-bikes', role: 'provider', name: 'Harbor Bike Rental', email: 'rent@harbor-bikes.example' },
  { id: 'provider-kiln-ceramics', role: 'provider', name: 'Kiln Ceramics', email: 'shop@kiln-ceramics.example' },
  { id: 'customer-alice', role: 'customer', name: 'Alice Martin', email: 'alice@example.com' },
  { id: 'customer-bob', role: 'customer', name: 'Bob Chen', email: 'bob@example.com' },
];

export function demoUser(id: string): DemoUser | undefined {
  return DEMO_USERS.find((u) => u.id === id);
}
