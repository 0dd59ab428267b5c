/**
 * Issue #7 on the embedded defaults: a paid booking gets a receipt (PDF in the local
 * object store, gap-free number), mails in the outbox (confirmation with .ics, receipt
 * with the PDF), a dry-run TikTok conversion, all recorded as events; the receipt PDF is
 * served to its customer only; a refund issues a credit note.
 */
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { extractText, getDocumentProxy } from 'unpdf';
import { ManualClock } from '@booking/shared-kernel';
import { eventsOfType } from './helpers.js';
import { readOutbox } from '@booking/shared-kernel/adapters';
import { alwaysOpenSchedule, eventually, startHarness, type Harness } from '../../test-support/harness.js';

async function pdfText(body: Buffer): Promise<string> {
  const pdf = await getDocumentProxy(new Uint8Array(body));
  const { text } = await extractText(pdf, { mergePages: true });
  return text;
}

describe('effects of a paid booking (embedded defaults)', () => {
  let h: Harness;
  let offeringId: string;
  let slotStart: string;

  beforeEach(async () => {
    h = await startHarness({ clock: new ManualClock(new Date()), env: { RECEIPT_TAX_RATE_BPS: '2000' } });
    const created = await h.http
      .post('/api/offerings')
      .set(h.auth('provider-lumen-yoga'))
      .send({
        kind: 'service',
        title: 'Evening Yin',
        category: 'yoga',
        price: { amount: 2000, currency: 'EUR' },
        seatsPerSlot: 3,
        schedule: alwaysOpenSchedule(),
        publish: true,
      });
    offeringId = created.body.offeringId;
    const detail = await h.http.get(`/api/offerings/${offeringId}`).set('x-min-position', created.body.position);
    slotStart = detail.body.slots[3].start;
  });
  afterEach(async () => h.stop());

  async function bookAndPay(customer: string, quantity = 1) {
    const booked = await h.http
      .post('/api/bookings')
      .set(h.auth(customer))
      .send({ offeringId, slotStart, quantity, attribution: { ttclid: 'click-1' } });
    expect(booked.status).toBe(201);
    const started = await h.http.post(`/api/bookings/${booked.body.bookingId}/payment`).set(h.auth(customer));
    const paid = await h.http
      .post(`/api/payments/${started.body.paymentId}/sandbox-confirm`)
      .set(h.auth(customer))
      .send({ cardNumber: '4242 4242 4242 4242' });
    expect(paid.status).toBe(200);
    return { bookingId: booked.body.bookingId as string, paymentId: started.body.paymentId as string };
  }

  it('issues a numbered PDF receipt, mails it and the confirmation, forwards the conversion; only its customer downloads it', async () => {
    const { bookingId } = await bookAndPay('customer-alice', 2);
    const list = await eventually(async () => {
      const r = await h.http.get(`/api/bookings/${bookingId}/receipts`).set(h.auth('customer-alice'));
      return r.status === 200 && r.body.items.length === 1 ? r.body : null;
    }, 5000);
    const receipt = list.items[0];
    const year = new Date().getUTCFullYear();
    expect(receipt).toMatchObject({
      kind: 'receipt',
      number: `${year}-000001`,
      total: { amount: 4000, currency: 'EUR' },
      tax: { amount: 667, currency: 'EUR' },
    });

    const pdf = await h.http
      .get(receipt.pdf)
      .set(h.auth('customer-alice'))
      .buffer(true)
      .parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      });
    expect(pdf.status).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    const text = await pdfText(pdf.body as Buffer);
    expect(text).toContain(`${year}-000001`);
    expect(text).toContain('2 x Evening Yin');
    expect(text).toContain('Total: 40.00 EUR');
    expect(text).toContain('Tax (20.00%): 6.67 EUR');
    expect(text).toContain('Lumen Yoga Studio');
    expect(text).toContain('Alice Martin');
    expect(text).toContain(bookingId);

    // nobody else's: another customer and another provider get a 404
    expect((await h.http.get(receipt.pdf).set(h.auth('customer-bob'))).status).toBe(404);
    expect((await h.http.get(receipt.pdf).set(h.auth('provider-harbor-bikes'))).status).toBe(404);
    expect((await h.http.get(`/api/bookings/${bookingId}/receipts`).set(h.auth('customer-bob'))).status).toBe(404);
    expect((await h.http.get(receipt.pdf).set(h.auth('provider-lumen-yoga'))).status).toBe(200);

    const outbox = path.join(h.dataDir, 'outbox');
    const mails = await eventually(async () => {
      const m = readOutbox(outbox, 'alice@example.com');
      return m.length >= 2 ? m : null;
    }, 5000);
    const confirmation = mails.find((m) => m.tags?.template === 'booking-confirmation')!;
    expect(confirmation.subject).toBe('Booking confirmed: Evening Yin');
    expect(confirmation.html).toContain('<h1>');
    expect(confirmation.attachments).toEqual([
      expect.objectContaining({ filename: 'booking.ics', contentType: expect.stringContaining('text/calendar') }),
    ]);
    const receiptMail = mails.find((m) => m.tags?.template === 'receipt')!;
    expect(receiptMail.attachments).toEqual([
      expect.objectContaining({ filename: `${year}-000001.pdf`, contentType: 'application/pdf' }),
    ]);

    const sent = await eventually(async () => {
      const e = await eventsOfType(h, 'NotificationSent');
      return e.length >= 2 ? e : null;
    });
    expect(sent.map((e) => (e.data as { template: string }).template).sort()).toEqual([
      'booking-confirmation',
      'receipt',
    ]);
    const conversions = await eventually(async () => {
      const e = await eventsOfType(h, 'ConversionForwarded');
      return e.length >= 3 ? e : null;
    });
    expect(conversions.map((e) => (e.data as { eventName: string; outcome: string }).eventName).sort()).toEqual([
      'InitiateCheckout',
      'Purchase',
      'Schedule',
    ]);
    expect(conversions.every((e) => (e.data as { outcome: string }).outcome === 'dry-run')).toBe(true);
  });

  it('numbers receipts of the year without gaps, and a refund issues a credit note', async () => {
    const paid = [await bookAndPay('customer-alice'), await bookAndPay('customer-bob')];
    const numbers = await eventually(async () => {
      const e = await eventsOfType(h, 'ReceiptIssued');
      return e.length === 2 ? e.map((x) => (x.data as { number: string }).number).sort() : null;
    }, 5000);
    const year = new Date().getUTCFullYear();
    expect(numbers).toEqual([`${year}-000001`, `${year}-000002`]);

    const refund = await h.http
      .post(`/api/payments/${paid[0]!.paymentId}/refund`)
      .set(h.auth('admin-ada'))
      .send({ amount: { amount: 500, currency: 'EUR' }, reason: 'goodwill' });
    expect(refund.status).toBeLessThan(300);
    const notes = await eventually(async () => {
      const r = await h.http.get(`/api/bookings/${paid[0]!.bookingId}/receipts`).set(h.auth('customer-alice'));
      return r.body.items?.length === 2 ? r.body.items : null;
    }, 5000);
    const note = notes.find((n: { kind: string }) => n.kind === 'credit-note');
    expect(note).toMatchObject({
      number: `CN-${year}-000003`,
      total: { amount: 500, currency: 'EUR' },
      receiptNumber: expect.stringMatching(/^\d{4}-00000[12]$/),
    });
    const refundMail = await eventually(
      async () =>
        readOutbox(path.join(h.dataDir, 'outbox'), 'alice@example.com').find((m) => m.tags?.template === 'credit-note'),
      5000,
    );
    expect(refundMail.attachments?.[0]?.filename).toBe(`CN-${year}-000003.pdf`);
  });
});
