/**
 * Exactly once in effect under at-least-once delivery: every event is delivered to the
 * effect reactors twice, and the first attempt to record each effect crashes after the
 * effect happened. Still one receipt number, one PDF, one mail per template, one
 * conversion per TikTok event_id.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createCommandRuntime,
  eventCatalogue,
  ManualClock,
  createLogger,
  SandboxGateway,
  type DomainEvent,
  type EventStore,
} from '@booking/shared-kernel';
import { OutboxMailer, readOutbox } from '@booking/shared-kernel/adapters';
import {
  effectReactors,
  readModelContacts,
  reactorContext,
  type AnyDecoded,
  type ReactorDeps,
} from '@booking/projections';
import { alwaysOpenSchedule, eventually, startHarness, type Harness } from '../../test-support/harness.js';
import { eventsOfType } from './helpers.js';
import { startTikTokCheckServer, type TikTokCheckServer } from './tiktok-server.js';
import { fallbackContacts } from '../../platform/effects.js';

/** Fails the first append to each effect-recording stream: the effect happened, its record did not. */
function crashingOnFirstRecord(store: EventStore): EventStore {
  const crashed = new Set<string>();
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'append') {
        return async (streamId: string, ...rest: unknown[]) => {
          if (/^(receipt-[0-9a-f]{8}-|notification-|conversions-)/.test(streamId) && !crashed.has(streamId)) {
            crashed.add(streamId);
            throw new Error(`simulated crash before recording on ${streamId}`);
          }
          return (target.append as (...a: unknown[]) => unknown).call(target, streamId, ...rest);
        };
      }
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

describe('effects under redelivery and crashes', () => {
  let h: Harness;
  let tiktok: TikTokCheckServer;
  afterEach(async () => {
    await h.stop();
    await tiktok.close();
  });

  it('delivers every event twice with a crash between effect and record: one receipt, one mail, one conversion', async () => {
    tiktok = await startTikTokCheckServer('PIXEL1');
    const clock = new ManualClock(new Date());
    // no reactor role: the test is the only deliverer of events to the effect reactors
    h = await startHarness({
      clock,
      env: {
        ROLES: 'command,read-api,projector',
        TIKTOK_API_URL: tiktok.url,
        TIKTOK_ACCESS_TOKEN: 't',
        TIKTOK_PIXEL_CODE: 'PIXEL1',
        TIKTOK_BACKOFF_MS: '0',
      },
    });
    const created = await h.http
      .post('/api/offerings')
      .set(h.auth('provider-lumen-yoga'))
      .send({
        kind: 'service',
        title: 'Morning Flow',
        category: 'yoga',
        price: { amount: 1500, currency: 'EUR' },
        seatsPerSlot: 3,
        schedule: alwaysOpenSchedule(),
        publish: true,
      });
    const detail = await h.http
      .get(`/api/offerings/${created.body.offeringId}`)
      .set('x-min-position', created.body.position);
    const booked = await h.http
      .post('/api/bookings')
      .set(h.auth('customer-alice'))
      .send({ offeringId: created.body.offeringId, slotStart: detail.body.slots[2].start });
    const started = await h.http.post(`/api/bookings/${booked.body.bookingId}/payment`).set(h.auth('customer-alice'));
    const paid = await h.http
      .post(`/api/payments/${started.body.paymentId}/sandbox-confirm`)
      .set(h.auth('customer-alice'))
      .send({ cardNumber: '4242 4242 4242 4242' });
    expect(paid.status).toBe(200);

    const store = crashingOnFirstRecord(h.platform.eventStore);
    const outbox = path.join(h.dataDir, 'outbox');
    const mailer = new OutboxMailer(outbox);
    const fx = effectReactors(h.config, {
      objects: h.platform.objects,
      mailer,
      contacts: readModelContacts(h.platform.documentStore, fallbackContacts(h.config)),
      sleep: async () => {},
    });
    const deps: ReactorDeps = {
      runtime: createCommandRuntime(store, clock),
      docs: h.platform.documentStore,
      clock,
      logger: createLogger({ level: 'silent' }),
      gateway: new SandboxGateway(),
    };

    const delivered = new Set<string>();
    for (let round = 0; round < 4; round++) {
      for (const recorded of await h.platform.eventStore.readAll()) {
        const event = eventCatalogue.decode<DomainEvent>(recorded) as AnyDecoded;
        for (const reactor of fx.reactors) {
          if (!reactor.eventTypes.has(event.type)) continue;
          // at least once: twice, whatever happened the first time
          for (let i = 0; i < 2; i++)
            await reactor.handle(event, deps, reactorContext(reactor.name, event)).catch(() => undefined);
          delivered.add(`${reactor.name}:${event.type}`);
        }
      }
    }
    expect(delivered).toEqual(
      new Set([
        'receipts:PaymentSucceeded',
        'conversions:PaymentStarted',
        'conversions:PaymentSucceeded',
        'notifications:ReceiptIssued',
      ]),
    );

    expect(await eventsOfType(h, 'ReceiptNumberAllocated')).toHaveLength(1);
    const receipts = await eventsOfType(h, 'ReceiptIssued');
    expect(receipts).toHaveLength(1);
    const objectsDir = path.join(h.dataDir, 'objects', 'receipts');
    const pdfs = fs.readdirSync(objectsDir, { recursive: true }).filter((f) => String(f).endsWith('.pdf'));
    expect(pdfs).toHaveLength(1);

    expect(readOutbox(outbox).filter((m) => m.tags?.template === 'receipt')).toHaveLength(1);
    expect(await eventsOfType(h, 'NotificationSent')).toHaveLength(1);

    const conversions = await eventsOfType(h, 'ConversionForwarded');
    expect(conversions.map((e) => (e.data as { eventName: string }).eventName).sort()).toEqual([
      'InitiateCheckout',
      'Purchase',
      'Schedule',
    ]);
    // resends after a crash reuse the event_id, which TikTok deduplicates on
    expect(tiktok.accepted.size).toBe(3);
    expect(tiktok.requests.length).toBeGreaterThan(2);
    await eventually(async () => true);
  });
});
