/**
 * Sends one notification exactly once in effect: the notification id comes from the
 * cause (`<cause>:<template>:<channel>`), an already recorded one is skipped, the mail's
 * Message-ID is derived from it (the outbox checks it and does not send twice; SMTP
 * clients collapse duplicates), and NotificationSent is appended idempotently.
 */
import {
  executeCommand,
  loadState,
  type CommandContext,
  type Contact,
  type MailAttachment,
  type Mailer,
} from '@booking/shared-kernel';
import { deterministicUuid, effectStreams, notificationDecider } from '@booking/command';
import type { ReactorDeps } from '../runtime/reactor.js';
import { recipientHash } from '../effects/hashing.js';
import { normalisePhone } from '../effects/hashing.js';
import type { RenderedMail, TemplateName } from './templates.js';
import type { SmsSender } from './sms.js';

export interface NotifierOptions {
  mailer: Mailer;
  sms: SmsSender;
  /** where mail says it comes from */
  mailFrom?: string;
}

export class Notifier {
  constructor(private readonly options: NotifierOptions) {}

  static notificationId(causeKey: string, template: TemplateName, channel: 'email' | 'sms'): string {
    return deterministicUuid(`notification:${causeKey}:${template}:${channel}`);
  }

  async email(
    deps: ReactorDeps,
    ctx: CommandContext,
    args: {
      causeKey: string;
      causeEventId: string;
      template: TemplateName;
      to: Contact | null;
      mail: RenderedMail;
      attachments?: MailAttachment[];
      bookingId?: string;
    },
  ): Promise<void> {
    const notificationId = Notifier.notificationId(args.causeKey, args.template, 'email');
    const stream = effectStreams.notification(notificationId);
    const { state } = await loadState(deps.runtime, stream, notificationDecider);
    if (state.sent) return;
    const address = args.to?.email;
    const optedOut = args.to?.optOut?.includes('email') ?? false;
    let providerMessageId = 'not-sent';
    let outcome: 'sent' | 'skipped' = 'skipped';
    if (address && !optedOut) {
      const messageId = `<${notificationId}@notifications.booking.local>`;
      // a crash after sending and before recording: the adapter knows, do not resend
      if (this.options.mailer.wasSent && (await this.options.mailer.wasSent(messageId))) {
        providerMessageId = messageId;
      } else {
        const sent = await this.options.mailer.send({
          to: address,
          subject: args.mail.subject,
          text: args.mail.text,
          html: args.mail.html,
          messageId,
          ...(this.options.mailFrom ? { from: this.options.mailFrom } : {}),
          ...(args.attachments?.length ? { attachments: args.attachments } : {}),
          tags: { template: args.template, ...(args.bookingId ? { booking: args.bookingId } : {}) },
        });
        providerMessageId = sent.messageId;
      }
      outcome = 'sent';
    }
    await executeCommand(
      deps.runtime,
      stream,
      notificationDecider,
      {
        type: 'RecordNotification',
        data: {
          notificationId,
          channel: 'email',
          template: args.template,
          recipientHash: recipientHash('email', address ?? `none:${args.to?.id ?? 'unknown'}`),
          providerMessageId,
          outcome,
          causeEventId: args.causeEventId,
          ...(args.bookingId ? { bookingId: args.bookingId } : {}),
        },
      },
      ctx,
    );
  }

  /** SMS cannot be checked at the provider: a crash between send and record may resend. */
  async sms(
    deps: ReactorDeps,
    ctx: CommandContext,
    args: {
      causeKey: string;
      causeEventId: string;
      template: TemplateName;
      to: Contact | null;
      body: string;
      bookingId?: string;
    },
  ): Promise<void> {
    const phone = args.to?.phone ? normalisePhone(args.to.phone) : null;
    if (!phone || args.to?.optOut?.includes('sms')) return;
    const notificationId = Notifier.notificationId(args.causeKey, args.template, 'sms');
    const stream = effectStreams.notification(notificationId);
    const { state } = await loadState(deps.runtime, stream, notificationDecider);
    if (state.sent) return;
    const result = await this.options.sms.send(phone, args.body);
    await executeCommand(
      deps.runtime,
      stream,
      notificationDecider,
      {
        type: 'RecordNotification',
        data: {
          notificationId,
          channel: 'sms',
          template: args.template,
          recipientHash: recipientHash('sms', phone),
          providerMessageId: result.providerMessageId,
          outcome: result.sent ? 'sent' : 'recorded',
          causeEventId: args.causeEventId,
          ...(args.bookingId ? { bookingId: args.bookingId } : {}),
        },
      },
      ctx,
    );
  }
}
