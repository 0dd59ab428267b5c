/**
 * SMTP mailer (nodemailer). Selected by SMTP_URL (`smtp://host:port`, `smtps://…`).
 * SMTP cannot tell whether a message was already delivered, so this adapter has no
 * `wasSent`; a resend after a crash keeps the same Message-ID and Date, which receiving
 * systems use to collapse duplicates (docs/effects.md).
 */
import type { Transporter } from 'nodemailer';
import { lazyModule } from '../lazy-module.js';

const nodemailer = lazyModule<typeof import('nodemailer')>('nodemailer');
import type { Mailer, MailMessage } from '../../ports/mailer.js';

export class SmtpMailer implements Mailer {
  private readonly transport: Transporter;
  constructor(
    url: string,
    private readonly from = 'Booking Platform <no-reply@booking.example>',
  ) {
    this.transport = nodemailer().createTransport(url);
  }

  async send(message: MailMessage): Promise<{ messageId: string }> {
    const info = await this.transport.sendMail({
      from: message.from ?? this.from,
      to: message.to,
      subject: message.subject,
      text: message.text,
      ...(message.html ? { html: message.html } : {}),
      ...(message.messageId ? { messageId: message.messageId } : {}),
      ...(message.date ? { date: message.date } : {}),
      ...(message.tags
        ? {
            headers: Object.fromEntries(
              Object.entries(message.tags).map(([k, v]) => [
                `X-Booking-${k.replace(/[^A-Za-z0-9-]/g, '')}`,
                v.replace(/[\r\n]+/g, ' '),
              ]),
            ),
          }
        : {}),
      attachments: (message.attachments ?? []).map((a) => ({
        filename: a.filename,
        content: a.content,
        contentType: a.contentType,
      })),
    });
    return { messageId: String(info.messageId) };
  }

  close(): void {
    this.transport.close();
  }
}
