/**
 * Exactly once in effect under at-least-once delivery: every event is delivered to the
 * effect reactors twice, and the first attempt to record each effect crashes after the
 * effect happened (the receipt PDF stored, the mail handed over, TikTok answered 200).
 * Still one receipt number, one PDF, one conversion per TikTok event_id, and one mail:
 *  - with a mailer that can tell what it already has (the outbox): one copy;
 *  - with one that cannot (SMTP): one distinct Message-ID, handed over twice — the second
 *    copy is the same message (same Message-ID, Date, subject), which receivers collapse.
 * See docs/effects.md.
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
  type Mailer,
  type MailMessage,
  type NewEvent,
  type NotificationIntended,
  type NotificationSent,
} from '@booking/shared-kernel';
import { OutboxMailer, readOutbox } from '@booking/shared-kernel/adapters';
import {
  effectReactors,
  readModelContacts,
  reactorContext,
  type AnyDecoded,
  type ReactorDeps,
} from '@booking/projections';
import { alwaysOpenSchedule, startHarness, type Harness } from '../../test-support/harness.js';
import { eventsOfType } from './helpers.js';
import { startTikTokCheckServer, type TikTokCheckServer } from './tiktok-server.js';
import { fallbackContacts } from '../../platform/effects.js';

/** The events that record an effect after it happened. */
const RECORDS = new Set(['ReceiptIssued', 'CreditNoteIssued', 'NotificationSent', 'ConversionForwarded']);

/** Fails the first append of an effect's record on each stream: the effect happened, its record did not. */
function crashingOnFirstRecord(store: EventStore): EventStore {
  const crashed = new Set<string>();
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'append') {
        return async (streamId: string, events: readonly NewEvent[], ...rest: unknown[]) => {
          if (events.some((e) => RECORDS.has(e.type)) && !crashed.has(streamId)) {
            crashed.add(streamId);
            throw new Error(`simulated crash before recording on ${streamId}`);
          }
          return (target.append as (...a: unknown[]) => unknown).call(target, streamId, events, ...rest);
        };
      }
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/** Like SMTP: accepts every message it is given and cannot tell what it already has. */
class SmtpLikeMailer implements Mailer {
  readonly transactions: MailMessage[] = [];
  async send(message: MailMessage): Promise<{ messageId: string }> {
    this.transactions.push(message);
    return { messageId: message.messageId! };
  }
}

describe('effects under redelivery and crashes', () => {
  let h: Harness;
  let tiktok: TikTokCheckServer;
  afterEach(async () => {
    await h.stop();
    await tiktok.close();
  });

  it.each(['outbox', 'smtp'] as const)(
    'delivers every event twice with a crash between effect and record (%s mailer): one receipt, one mail, one conversion',
    async (mailerKind) => {
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
      const smtp = new SmtpLikeMailer();
      const mailer = mailerKind === 'outbox' ? new OutboxMailer(outbox) : smtp;
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
            for (let i = 0; i < 2; i++) {
              await reactor.handle(event, deps, reactorContext(reactor.name, event)).catch(() => undefined);
              // time passes between deliveries: a resend must not take a new Date
              clock.advance(1000);
            }
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

      const [sent, ...moreSent] = (await eventsOfType(h, 'NotificationSent')).map((e) => e.data as NotificationSent);
      expect(moreSent).toEqual([]);
      expect(sent).toMatchObject({ template: 'receipt', channel: 'email', outcome: 'sent' });
      const intents = (await eventsOfType(h, 'NotificationIntended')).map((e) => e.data as NotificationIntended);
      if (mailerKind === 'outbox') {
        // the outbox knows it has the message: the recovery records it without a resend
        const copies = readOutbox(outbox).filter((m) => m.tags?.template === 'receipt');
        expect(copies.map((m) => m.messageId)).toEqual([sent!.providerMessageId]);
        expect(intents.map((i) => i.attempt)).toEqual([1]);
        expect(sent!.attempts).toBe(1);
      } else {
        // SMTP cannot be asked: the unrecorded hand-off is repeated, as the same message
        const copies = smtp.transactions.filter((m) => m.tags?.template === 'receipt');
        expect(new Set(copies.map((m) => m.messageId))).toEqual(new Set([sent!.providerMessageId]));
        expect(copies).toHaveLength(2);
        const [first, second] = copies;
        expect(second!.date!.toISOString()).toBe(first!.date!.toISOString());
        expect({ ...second, attachments: undefined }).toEqual({ ...first, attachments: undefined });
        expect(second!.attachments![0]!.content).toEqual(first!.attachments![0]!.content);
        expect(intents.map((i) => i.attempt)).toEqual([1, 2]);
        expect(intents.map((i) => i.messageId)).toEqual([sent!.providerMessageId, sent!.providerMessageId]);
        expect(sent!.attempts).toBe(2);
      }

      const conversions = await eventsOfType(h, 'ConversionForwarded');
      expect(conversions.map((e) => (e.data as { eventName: string }).eventName).sort()).toEqual([
        'InitiateCheckout',
        'Purchase',
        'Schedule',
      ]);
      // resends after a crash reuse the event_id, which TikTok deduplicates on
      expect(tiktok.accepted.size).toBe(3);
      expect(tiktok.requests.length).toBeGreaterThan(2);
    },
  );
});
