/**
 * Receipts and mail against real servers: Mailpit (SMTP + REST API) and a local S3 server.
 * Runs only when SMTP_URL, MAILPIT_API_URL and S3_ENDPOINT are set — start them with
 * `eval "$(ops/infra/up.sh mailpit s3)"` — and is skipped otherwise (the embedded
 * defaults are covered by ops/test/effects/). S3_BUCKET defaults to a fresh test bucket.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateBucketCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { extractText, getDocumentProxy } from 'unpdf';
import { ManualClock, loadConfig } from '@booking/shared-kernel';
import { S3ObjectStore } from '@booking/shared-kernel/adapters';
import { eventually, startHarness, type Harness } from '../../test-support/harness.js';
import { eventsOfType } from '../effects/helpers.js';

const { SMTP_URL, MAILPIT_API_URL, S3_ENDPOINT } = process.env;
const bucket = process.env.S3_BUCKET || `receipts-${randomUUID().slice(0, 8)}`;

// Needs real servers (see the header); without them the embedded tests cover the same flow.
describe.skipIf(!SMTP_URL || !MAILPIT_API_URL || !S3_ENDPOINT)('receipts over SMTP (Mailpit) and S3', () => {
  let h: Harness;
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
  afterAll(async () => h?.stop());

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
});
