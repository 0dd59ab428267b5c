/**
 * The embedded mailer: every message becomes `<dir>/<time>-<id>.eml` (RFC 5322, openable
 * by any mail client) plus `<dir>/<time>-<id>.json` (the message as given, read back by
 * tests and by the demo). Nothing is sent anywhere.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createHash, randomUUID } from 'node:crypto';
import type { Mailer, MailMessage } from '../../ports/mailer.js';

export interface OutboxEntry {
  messageId: string;
  from: string;
  to: string;
  subject: string;
  text: string;
  html?: string;
  tags?: Record<string, string>;
  attachments?: { filename: string; contentType: string; size: number }[];
  writtenAt: string;
}

function headerSafe(value: string): string {
  // no header injection: a CR or LF in a subject or address never starts a new header
  return value.replace(/[\r\n]+/g, ' ');
}

function encodedWord(value: string): string {
  return /^[\x20-\x7e]*$/.test(value) ? value : `=?UTF-8?B?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}

function base64Lines(data: Buffer): string {
  return (data.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n');
}

export class OutboxMailer implements Mailer {
  constructor(
    readonly dir: string,
    private readonly from = 'Booking Platform <no-reply@booking.example>',
  ) {}

  /** the file id of a given Message-ID: a resend of it lands on the same name */
  private static fileId(messageId: string): string {
    return createHash('sha256').update(messageId).digest('hex').slice(0, 32);
  }

  async wasSent(messageId: string): Promise<boolean> {
    const suffix = `-${OutboxMailer.fileId(messageId)}.json`;
    try {
      return (await fs.promises.readdir(this.dir)).some((f) => f.endsWith(suffix));
    } catch {
      return false;
    }
  }

  async send(message: MailMessage): Promise<{ messageId: string }> {
    if (message.messageId !== undefined && !/^<[^<>\s]+@[^<>\s]+>$/.test(message.messageId)) {
      throw new Error(`invalid Message-ID ${JSON.stringify(message.messageId)}`);
    }
    // a given Message-ID is sent once: the outbox can check, so a resend is a no-op
    if (message.messageId !== undefined && (await this.wasSent(message.messageId)))
      return { messageId: message.messageId };
    const id = message.messageId !== undefined ? OutboxMailer.fileId(message.messageId) : randomUUID();
    const messageId = message.messageId ?? `<${id}@outbox.booking.local>`;
    const from = message.from ?? this.from;
    const writtenAt = new Date().toISOString();
    const date = message.date ?? new Date(writtenAt);
    await fs.promises.mkdir(this.dir, { recursive: true });
    const base = path.join(this.dir, `${writtenAt.replace(/[:.]/g, '-')}-${id}`);
    const boundary = `----=_outbox_${id}`;
    const headers = [
      `Message-ID: ${messageId}`,
      `Date: ${date.toUTCString()}`,
      `From: ${headerSafe(from)}`,
      `To: ${headerSafe(message.to)}`,
      `Subject: ${encodedWord(headerSafe(message.subject))}`,
      'MIME-Version: 1.0',
      `Content-Type: multipart/mixed; boundary="${boundary}"`,
    ];
    const parts = [
      `Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n${base64Lines(Buffer.from(message.text, 'utf8'))}`,
      ...(message.html
        ? [
            `Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n${base64Lines(Buffer.from(message.html, 'utf8'))}`,
          ]
        : []),
      ...(message.attachments ?? []).map((a) => {
        const data = typeof a.content === 'string' ? Buffer.from(a.content, 'utf8') : a.content;
        return `Content-Type: ${headerSafe(a.contentType)}\r\nContent-Disposition: attachment; filename="${headerSafe(a.filename).replace(/"/g, '')}"\r\nContent-Transfer-Encoding: base64\r\n\r\n${base64Lines(data)}`;
      }),
    ];
    const eml = `${headers.join('\r\n')}\r\n\r\n${parts.map((p) => `--${boundary}\r\n${p}\r\n`).join('')}--${boundary}--\r\n`;
    const entry: OutboxEntry = {
      messageId,
      from,
      to: message.to,
      subject: message.subject,
      text: message.text,
      ...(message.html ? { html: message.html } : {}),
      ...(message.tags ? { tags: { ...message.tags } } : {}),
      ...(message.attachments
        ? {
            attachments: message.attachments.map((a) => ({
              filename: a.filename,
              contentType: a.contentType,
              size: typeof a.content === 'string' ? Buffer.byteLength(a.content) : a.content.length,
            })),
          }
        : {}),
      writtenAt,
    };
    // mode 0600: the outbox holds live single-use tokens
    await fs.promises.writeFile(`${base}.eml`, eml, { mode: 0o600 });
    // written aside and renamed: a reader (or `wasSent`) never sees a half-written entry
    await fs.promises.writeFile(`${base}.json.tmp`, JSON.stringify(entry, null, 2), { mode: 0o600 });
    await fs.promises.rename(`${base}.json.tmp`, `${base}.json`);
    return { messageId };
  }
}

/** Every message in an outbox folder, oldest first (optionally only those to `to`). */
export function readOutbox(dir: string, to?: string): OutboxEntry[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as OutboxEntry)
    .filter((m) => to === undefined || m.to.toLowerCase() === to.toLowerCase());
}
