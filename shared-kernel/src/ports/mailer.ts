/**
 * The mailer port. Adapters: the outbox folder (embedded default, readable back by tests)
 * and SMTP. Addresses are plain RFC 5322 addresses; `from` defaults to the adapter's.
 */
export interface MailAttachment {
  readonly filename: string;
  readonly contentType: string;
  /** raw bytes, or text (UTF-8) */
  readonly content: Buffer | string;
}

export interface MailMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html?: string;
  readonly from?: string;
  readonly attachments?: readonly MailAttachment[];
  /** free-form tags (e.g. the kind of mail) kept with the message where the adapter can */
  readonly tags?: Readonly<Record<string, string>>;
  /**
   * RFC 5322 Message-ID (`<local@domain>`). Give a deterministic one (derived from the
   * causing event) to make a resend recognisable: adapters that can check what they
   * already sent do not send it twice, and mail clients collapse duplicates.
   */
  readonly messageId?: string;
  /** the Date header; give the first attempt's on a resend so the copy is identical */
  readonly date?: Date;
}

export interface Mailer {
  send(message: MailMessage): Promise<{ messageId: string }>;
  /** Whether a message with this Message-ID was already sent, where the adapter can tell
   *  (the outbox can; SMTP cannot and leaves this out). */
  wasSent?(messageId: string): Promise<boolean>;
}
