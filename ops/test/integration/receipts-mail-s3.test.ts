/**
 * Receipts and mail against real servers: Mailpit (SMTP + REST API) and a local S3 server.
 * Runs only when SMTP_URL, MAILPIT_API_URL and S3_ENDPOINT are set — start them with
 * `eval "$(ops/infra/up.sh mailpit s3)"` — and is skipped otherwise (the embedded
 * defaults are covered by ops/test/effects/). S3_BUCKET defaults to a fresh test bucket.
 * The crash case hands the receipt mail to Mailpit, then loses the answer (as a process
 * dying right after the SMTP server accepted it would), and reads back what Mailpit got.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateBucketCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { extractText, getDocumentProxy } from 'unpdf';
import {
  ManualClock,
  loadConfig,
  type Mailer,
  type NotificationIntended,
  type NotificationSent,
} from '@booking/shared-kernel';
import { S3ObjectStore, SmtpMailer } from '@booking/shared-kernel/adapters';
import { eventually, startHarness, type Harness } from '../../test-support/harness.js';
import { eventsOfType } from '../effects/helpers.js';

const { SMTP_URL, MAILPIT_API_URL, S3_ENDPOINT } = process.env;
const bucket = process.env.S3_BUCKET || `receipts-${randomUUID().slice(0, 8)}`;

// Needs real servers (see the header); without them the embedded tests cover the same flow.
describe.skipIf(!SMTP_URL || !MAILPIT_API_URL || !S3_ENDPOINT)('receipts over SMTP (Mailpit) and S3', () => {
  let h: Harness;
  let crashHarness: Harness | undefined;
  let smtpForCrash: SmtpMailer | undefined;
  beforeAll(async () => {
    const env = { SMTP_URL: SMTP_URL!, S3_ENDPOINT: S3_ENDPOINT!, S3_BUCKET: bucket };
    const s3 = loadConfig({ NODE_ENV: 'test', ...env, ...process.env, S3_BUCKET: bucket }).effects.s3!;
    const store = new S3ObjectStore({
      bucket,
      endpoint: S3_ENDPOINT!,
      region: s3.region,
      ...(s3.accessKeyId && s3.secretAccessKey
        ? { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey }
        : {}),
    });
    await store.client.send(new CreateBucketCommand({ Bucket: bucket })).catch((err: { name?: string }) => {
      if (err.name !== 'BucketAlreadyOwnedByYou' && err.name !== 'BucketAlreadyExists') throw err;
    });
    h = await startHarness({ clock: new ManualClock(new Date()), env });
  });
  afterAll(async () => {
    await crashHarness?.stop();
    smtpForCrash?.close();
    await h?.stop();
  });

  async function payForMugs(harness: Harness, quantity: number): Promise<string> {
    const created = await harness.http
      .post('/api/offerings')
      .set(harness.auth('provider-lumen-yoga'))
      .send({
        kind: 'product',
        title: 'Clay mug',
        category: 'ceramics',
        price: { amount: 1800, currency: 'EUR' },
        stock: 5,
        publish: true,
      });
    expect(created.status).toBe(201);
    const booked = await harness.http
      .post('/api/bookings')
      .set(harness.auth('customer-alice'))
      .set('x-min-position', created.body.position)
      .send({ offeringId: created.body.offeringId, quantity });
    const started = await harness.http
      .post(`/api/bookings/${booked.body.bookingId}/payment`)
      .set(harness.auth('customer-alice'));
    await harness.http
      .post(`/api/payments/${started.body.paymentId}/sandbox-confirm`)
      .set(harness.auth('customer-alice'))
      .send({ cardNumber: '4242 4242 4242 4242' });
    return booked.body.bookingId as string;
  }

  interface MailpitSummary {
    ID: string;
    MessageID: string;
    Subject: string;
    Attachments: number;
  }

  /** Every message Mailpit holds with this Message-ID (angle brackets stripped, as Mailpit shows it). */
  async function mailpitCopies(messageId: string): Promise<MailpitSummary[]> {
    const bare = messageId.replace(/^<|>$/g, '');
    const r = await fetch(`${MAILPIT_API_URL}/search?query=${encodeURIComponent(`message-id:"${bare}"`)}&limit=50`);
    expect(r.status).toBe(200);
    const body = (await r.json()) as { messages: MailpitSummary[] };
    return body.messages.filter((m) => m.MessageID === bare);
  }

  it('stores the receipt PDF in S3 and delivers the receipt mail with the PDF through SMTP', async () => {
    const email = 'alice@example.com';
    const created = await h.http
      .post('/api/offerings')
      .set(h.auth('provider-lumen-yoga'))
      .send({
        kind: 'product',
        title: 'Clay mug',
        category: 'ceramics',
        price: { amount: 1800, currency: 'EUR' },
        stock: 5,
        publish: true,
      });
    expect(created.status).toBe(201);
    const booked = await h.http
      .post('/api/bookings')
      .set(h.auth('customer-alice'))
      .set('x-min-position', created.body.position)
      .send({ offeringId: created.body.offeringId, quantity: 2 });
    const started = await h.http.post(`/api/bookings/${booked.body.bookingId}/payment`).set(h.auth('customer-alice'));
    await h.http
      .post(`/api/payments/${started.body.paymentId}/sandbox-confirm`)
      .set(h.auth('customer-alice'))
      .send({ cardNumber: '4242 4242 4242 4242' });

    const [issued] = await eventually(async () => {
      const e = await eventsOfType(h, 'ReceiptIssued');
      return e.length ? e : null;
    }, 15_000);
    const data = issued!.data as { objectKey: string; number: string };
    const store = h.platform.objects as S3ObjectStore;
    const object = await store.client.send(new GetObjectCommand({ Bucket: bucket, Key: data.objectKey }));
    const bytes = Buffer.from(await object.Body!.transformToByteArray());
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    const { text } = await extractText(await getDocumentProxy(new Uint8Array(bytes)), { mergePages: true });
    expect(text).toContain(data.number);
    expect(text).toContain('Total: 36.00 EUR');

    const sent = await eventually(async () => {
      const e = await eventsOfType(h, 'NotificationSent');
      return e.find((x) => (x.data as { template: string }).template === 'receipt');
    }, 15_000);
    const messageId = (sent.data as { providerMessageId: string }).providerMessageId.replace(/^<|>$/g, '');
    const found = await eventually(async () => {
      const r = await fetch(`${MAILPIT_API_URL}/search?query=${encodeURIComponent(`to:${email}`)}`);
      const body = (await r.json()) as { messages: { ID: string; MessageID: string; Subject: string }[] };
      return body.messages.find((m) => m.MessageID === messageId);
    }, 15_000);
    expect(found.Subject).toBe(`Your receipt ${data.number}`);
    const full = (await (await fetch(`${MAILPIT_API_URL}/message/${found.ID}`)).json()) as {
      Attachments: { FileName: string; ContentType: string }[];
    };
    expect(full.Attachments).toEqual([
      expect.objectContaining({ FileName: `${data.number}.pdf`, ContentType: 'application/pdf' }),
    ]);
  });

  it('a crash after SMTP accepted the receipt mail: one NotificationSent, one Message-ID, the resend identical', async () => {
    smtpForCrash = new SmtpMailer(SMTP_URL!);
    const real = smtpForCrash;
    let lostAnswers = 0;
    // the first receipt mail reaches Mailpit, then its answer is lost before it is recorded
    const crashingOnce: Mailer = {
      async send(message) {
        const sent = await real.send(message);
        if (message.tags?.template === 'receipt' && lostAnswers === 0) {
          lostAnswers++;
          // the resend happens later: it must keep the first Date, not take a new one
          clock.advance(60_000);
          throw new Error('simulated crash after the SMTP server accepted the message');
        }
        return sent;
      },
    };
    const clock = new ManualClock(new Date());
    crashHarness = await startHarness({
      clock,
      env: { SMTP_URL: SMTP_URL!, S3_ENDPOINT: S3_ENDPOINT!, S3_BUCKET: bucket },
      mailer: crashingOnce,
    });
    const bookingId = await payForMugs(crashHarness, 1);

    const sent = await eventually(async () => {
      const all = (await eventsOfType(crashHarness!, 'NotificationSent')).map((e) => e.data as NotificationSent);
      return all.find((d) => d.bookingId === bookingId && d.template === 'receipt');
    }, 15_000);
    expect(lostAnswers).toBe(1);
    expect(sent).toMatchObject({ outcome: 'sent', attempts: 2 });
    const receiptRecords = (await eventsOfType(crashHarness, 'NotificationSent')).filter(
      (e) => (e.data as NotificationSent).notificationId === sent.notificationId,
    );
    expect(receiptRecords).toHaveLength(1);
    const intents = (await eventsOfType(crashHarness, 'NotificationIntended'))
      .map((e) => e.data as NotificationIntended)
      .filter((d) => d.notificationId === sent.notificationId);
    expect(intents.map((i) => [i.attempt, i.messageId])).toEqual([
      [1, sent.providerMessageId],
      [2, sent.providerMessageId],
    ]);

    // what "one mail" means over SMTP: one Message-ID; the crash window let a second,
    // identical copy through, which Message-ID-deduplicating receivers show once
    const copies = await eventually(async () => {
      const found = await mailpitCopies(sent.providerMessageId);
      return found.length >= 2 ? found : null;
    }, 15_000);
    expect(copies).toHaveLength(2);
    const full = await Promise.all(
      copies.map(
        async (c) =>
          (await (await fetch(`${MAILPIT_API_URL}/message/${c.ID}`)).json()) as {
            MessageID: string;
            Date: string;
            Subject: string;
            Text: string;
            Attachments: { FileName: string; Size: number }[];
          },
      ),
    );
    const [first, second] = full;
    expect(second!.MessageID).toBe(first!.MessageID);
    expect(second!.Date).toBe(first!.Date);
    expect(second!.Subject).toBe(first!.Subject);
    expect(second!.Text).toBe(first!.Text);
    expect(second!.Attachments.map((a) => [a.FileName, a.Size])).toEqual(
      first!.Attachments.map((a) => [a.FileName, a.Size]),
    );
    expect(first!.Subject).toMatch(/^Your receipt \d{4}-\d{6}$/);
    // the receipt itself: one number, one object
    const issued = (await eventsOfType(crashHarness, 'ReceiptIssued')).filter(
      (e) => (e.data as { bookingId: string }).bookingId === bookingId,
    );
    expect(issued).toHaveLength(1);
    expect(first!.Subject).toBe(`Your receipt ${(issued[0]!.data as { number: string }).number}`);
  });
});
