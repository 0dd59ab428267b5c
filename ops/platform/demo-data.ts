/**
 * Demo data, created through the public command API exactly as a provider and a customer
 * would, so the event log, read models and reactors all see real commands.
 */
import { mintToken, type TokenSettings, type ServiceScheduleData } from '@booking/shared-kernel';
import { demoUser } from './demo-users.js';

const weekdays = (days: number[], windows: { start: string; end: string }[]) =>
  days.map((weekday) => ({ weekday: weekday as 1, windows }));

function schedule(
  timeZone: string,
  rules: ServiceScheduleData['weeklyRules'],
  terms: Partial<ServiceScheduleData>,
): ServiceScheduleData {
  return {
    timeZone,
    weeklyRules: rules,
    overrides: [],
    closures: [],
    durationMinutes: 60,
    slotIntervalMinutes: 60,
    bufferBeforeMinutes: 0,
    bufferAfterMinutes: 0,
    minimumNoticeMinutes: 60,
    maxHorizonDays: 60,
    ...terms,
  };
}

export const DEMO_OFFERINGS = [
  {
    provider: 'provider-lumen-yoga',
    body: {
      kind: 'service',
      title: 'Sunrise Vinyasa Flow',
      category: 'yoga',
      publish: true,
      description: 'A one-hour flowing class to start the day. Mats provided.',
      price: { amount: 1800, currency: 'EUR' },
      seatsPerSlot: 12,
      schedule: schedule(
        'Europe/Paris',
        weekdays(
          [1, 2, 3, 4, 5, 6],
          [
            { start: '07:00', end: '09:00' },
            { start: '18:00', end: '21:00' },
          ],
        ),
        {},
      ),
      location: { address: '12 Rue des Martyrs', city: 'Paris', country: 'FR', lat: 48.8796, lng: 2.3397 },
    },
  },
  {
    provider: 'provider-lumen-yoga',
    body: {
      kind: 'service',
      title: 'Private Yoga Session',
      category: 'yoga',
      publish: true,
      description: 'One-to-one session tailored to your practice.',
      price: { amount: 6500, currency: 'EUR' },
      seatsPerSlot: 1,
      schedule: schedule('Europe/Paris', weekdays([1, 2, 3, 4, 5], [{ start: '10:00', end: '17:00' }]), {
        durationMinutes: 75,
        slotIntervalMinutes: 90,
        bufferAfterMinutes: 15,
        minimumNoticeMinutes: 12 * 60,
      }),
      location: { address: '12 Rue des Martyrs', city: 'Paris', country: 'FR', lat: 48.8796, lng: 2.3397 },
    },
  },
  {
    provider: 'provider-harbor-bikes',
    body: {
      kind: 'service',
      title: 'Guided Harbor Bike Tour',
      category: 'tours',
      publish: true,
      description: 'Two hours along the waterfront with a local guide; bike and helmet included.',
      price: { amount: 4500, currency: 'USD' },
      seatsPerSlot: 8,
      schedule: schedule(
        'America/New_York',
        weekdays([6, 7], [{ start: '09:00', end: '17:00' }]).concat(weekdays([3], [{ start: '17:00', end: '20:00' }])),
        { durationMinutes: 120, slotIntervalMinutes: 150, bufferAfterMinutes: 30 },
      ),
      location: {
        address: 'Pier 2, Brooklyn Bridge Park',
        city: 'New York',
        country: 'US',
        lat: 40.6995,
        lng: -73.9969,
      },
    },
  },
  {
    provider: 'provider-harbor-bikes',
    body: {
      kind: 'product',
      title: 'Heavy-duty U-Lock',
      category: 'accessories',
      publish: true,
      description: 'Hardened steel U-lock with two keys.',
      price: { amount: 2999, currency: 'USD' },
      stock: 25,
      location: { address: 'Pier 2, Brooklyn Bridge Park', city: 'New York', country: 'US' },
    },
  },
  {
    provider: 'provider-kiln-ceramics',
    body: {
      kind: 'product',
      title: 'Hand-thrown Stoneware Mug',
      category: 'ceramics',
      publish: true,
      description: 'Each one unique; 350 ml, dishwasher safe.',
      price: { amount: 3200, currency: 'GBP' },
      stock: 40,
      location: { address: '5 Columbia Road', city: 'London', country: 'GB', lat: 51.5296, lng: -0.0712 },
    },
  },
  {
    provider: 'provider-kiln-ceramics',
    body: {
      kind: 'service',
      title: 'Wheel-throwing Workshop',
      category: 'ceramics',
      publish: true,
      description: 'Two and a half hours at the wheel; your pieces are fired and ready a week later.',
      price: { amount: 7500, currency: 'GBP' },
      seatsPerSlot: 6,
      schedule: schedule(
        'Europe/London',
        weekdays([2, 4], [{ start: '18:00', end: '21:00' }]).concat(weekdays([6], [{ start: '10:00', end: '13:00' }])),
        { durationMinutes: 150, slotIntervalMinutes: 180 },
      ),
      location: { address: '5 Columbia Road', city: 'London', country: 'GB', lat: 51.5296, lng: -0.0712 },
    },
  },
  {
    provider: 'provider-kiln-ceramics',
    body: {
      kind: 'product',
      title: 'Glaze Sampler Set (coming soon)',
      category: 'ceramics',
      description: 'Six test tiles of our house glazes.',
      price: { amount: 1500, currency: 'GBP' },
      stock: 10,
    },
  },
] as const;

async function call(
  baseUrl: string,
  token: string,
  method: string,
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Record<string, unknown>> {
  const res = await fetch(`${baseUrl}${url}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`demo data: ${method} ${url} answered ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

export async function seedDemoData(
  baseUrl: string,
  tokens: TokenSettings,
): Promise<{ offerings: number; bookings: number }> {
  const token = (id: string) => mintToken(tokens, demoUser(id)!);
  const created: { id: string; position: string }[] = [];
  for (const [i, o] of DEMO_OFFERINGS.entries()) {
    const r = await call(baseUrl, token(o.provider), 'POST', '/api/offerings', o.body, {
      'idempotency-key': `demo-offering-${i}`,
    });
    created.push({ id: r.offeringId as string, position: r.position as string });
  }
  // Alice books the next free yoga class and pays with the sandbox test card.
  const alice = token('customer-alice');
  const yoga = created[0]!;
  const detail = await call(baseUrl, alice, 'GET', `/api/offerings/${yoga.id}`, undefined, {
    'x-min-position': created.at(-1)!.position,
  });
  const slot = (detail.slots as { start: string; seatsLeft: number }[]).find((s) => s.seatsLeft > 0);
  let bookings = 0;
  if (slot) {
    const booked = await call(baseUrl, alice, 'POST', '/api/bookings', {
      offeringId: yoga.id,
      slotStart: slot.start,
      attribution: { utmSource: 'tiktok', utmCampaign: 'spring-flow' },
    });
    const payment = await call(baseUrl, alice, 'POST', `/api/bookings/${booked.bookingId as string}/payment`);
    await call(baseUrl, alice, 'POST', `/api/payments/${payment.paymentId as string}/sandbox-confirm`, {
      cardNumber: '4242 4242 4242 4242',
    });
    bookings++;
  }
  // Bob buys two mugs and has not paid yet.
  const bob = token('customer-bob');
  await call(baseUrl, bob, 'POST', '/api/bookings', { offeringId: created[4]!.id, quantity: 2 });
  bookings++;
  return { offerings: created.length, bookings };
}
