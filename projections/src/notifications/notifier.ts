/**
 * Sends one notification exactly once in effect (docs/effects.md):
 *  - the notification id comes from the cause (`<cause>:<template>:<channel>`), so a
 *    redelivered event addresses the same `notification-<id>` stream, and a recorded
 *    NotificationSent ends the work at once;
 *  - before each hand-off to the provider a NotificationIntended is appended (numbered), so
 *    a crash between the hand-off and its record is visible as an intent without an outcome;
 *  - a mail's Message-ID is derived from the notification id and its Date is the first
 *    intent's, so a resend after such a crash is the same message, which receivers
 *    collapse; an adapter that can tell it already has the message (the outbox) skips it;
 *  - NotificationSent is appended through the decider (a no-op if already there).
 * The only window left for a second copy is between the provider accepting the message
 * and the append of NotificationSent.
 */
import {
  executeCommand,
  loadState,
  type CommandContext,
  type Contact,
  type MailAttachment,
  type Mailer,
  type NotificationIntended,
  type NotificationSent,
} from '@booking/shared-kernel';
import { deterministicUuid, effectStreams, notificationDecider, type NotificationState } from '@booking/command';
import type { ReactorDeps } from '../runtime/reactor.js';
import { normalisePhone, recipientHash } from '../effects/hashing.js';
import type { RenderedMail, TemplateName } from './templates.js';
import type { SmsSender } from './sms.js';

export interface NotifierOptions {
  mailer: Mailer;
  sms: SmsSender;
  /** where mail says it comes from */
  mailFrom?: string;
}

interface Cause {
  causeKey: string;
  causeEventId: string;
  template: TemplateName;
  to: Contact | null;
  bookingId?: string;
}

/** What the notification stream records whatever the outcome. */
type Identity = Pick<NotificationSent, 'notificationId' | 'channel' | 'template' | 'recipientHash' | 'causeEventId'> & {
  bookingId?: string;
};

export class Notifier {
  constructor(private readonly options: NotifierOptions) {}

  static notificationId(causeKey: string, template: TemplateName, channel: 'email' | 'sms'): string {
    return deterministicUuid(`notification:${causeKey}:${template}:${channel}`);
  }

  /** The Message-ID of a notification's mail: the same on every attempt. */
  static messageId(notificationId: string): string {
    return `<${notificationId}@notifications.booking.local>`;
  }

  async email(
    deps: ReactorDeps,
    ctx: CommandContext,
    args: Cause & { mail: RenderedMail; attachments?: MailAttachment[] },
  ): Promise<void> {
    const notificationId = Notifier.notificationId(args.causeKey, args.template, 'email');
    const stream = effectStreams.notification(notificationId);
    const { state } = await loadState(deps.runtime, stream, notificationDecider);
    if (state.sent) return;
    const address = args.to?.email;
    const who: Identity = {
      notificationId,
      channel: 'email',
      template: args.template,
      recipientHash: recipientHash('email', address ?? `none:${args.to?.id ?? 'unknown'}`),
      causeEventId: args.causeEventId,
      ...(args.bookingId ? { bookingId: args.bookingId } : {}),
    };
    if (!address || args.to?.optOut?.includes('email')) {
      await this.record(deps, ctx, stream, { ...who, providerMessageId: 'not-sent', outcome: 'skipped' });
      return;
    }
    const messageId = Notifier.messageId(notificationId);
    // an earlier hand-off that was not recorded: an adapter that can check does not resend
    if (state.intended && this.options.mailer.wasSent && (await this.options.mailer.wasSent(messageId))) {
      await this.record(deps, ctx, stream, {
        ...who,
        providerMessageId: messageId,
        outcome: 'sent',
        attempts: state.intended.attempt,
      });
      return;
    }
    const intent = await this.intend(deps, ctx, stream, state, { ...who, messageId });
    if (!intent) return;
    const sent = await this.options.mailer.send({
      to: address,
      subject: args.mail.subject,
      text: args.mail.text,
      html: args.mail.html,
      messageId,
      date: new Date(intent.composedAt),
      ...(this.options.mailFrom ? { from: this.options.mailFrom } : {}),
      ...(args.attachments?.length ? { attachments: args.attachments } : {}),
      tags: { template: args.template, ...(args.bookingId ? { booking: args.bookingId } : {}) },
    });
    await this.record(deps, ctx, stream, {
      ...who,
      providerMessageId: sent.messageId,
      outcome: 'sent',
      attempts: intent.attempt,
    });
  }

  /**
   * Only with a phone on file and SMS not opted out. Twilio offers no documented way to
   * deduplicate a create, so a resend after an unrecorded hand-off can reach the phone twice.
   */
  async sms(deps: ReactorDeps, ctx: CommandContext, args: Cause & { body: string }): Promise<void> {
    const phone = args.to?.phone ? normalisePhone(args.to.phone) : null;
    if (!phone || args.to?.optOut?.includes('sms')) return;
    const notificationId = Notifier.notificationId(args.causeKey, args.template, 'sms');
    const stream = effectStreams.notification(notificationId);
    const { state } = await loadState(deps.runtime, stream, notificationDecider);
    if (state.sent) return;
    const who: Identity = {
      notificationId,
      channel: 'sms',
      template: args.template,
      recipientHash: recipientHash('sms', phone),
      causeEventId: args.causeEventId,
      ...(args.bookingId ? { bookingId: args.bookingId } : {}),
    };
    const sender = this.options.sms;
    if (sender.dryRun) {
      await this.record(deps, ctx, stream, { ...who, providerMessageId: 'not-sent', outcome: 'recorded' });
      return;
    }
    const intent = await this.intend(deps, ctx, stream, state, who);
    if (!intent) return;
    const result = await sender.send(phone, args.body);
    if (result.outcome === 'failed') {
      deps.logger.error(
        { notificationId, template: args.template, errorCode: result.errorCode, error: result.error },
        'the SMS provider refused a message; recorded as failed',
      );
    }
    await this.record(deps, ctx, stream, {
      ...who,
      providerMessageId: result.providerMessageId,
      outcome: result.outcome,
      attempts: intent.attempt,
      ...(result.outcome === 'failed'
        ? { error: result.error, ...(result.errorCode !== undefined ? { errorCode: result.errorCode } : {}) }
        : {}),
    });
  }

  /** Appends the next intent; null when the notification got recorded meanwhile. */
  private async intend(
    deps: ReactorDeps,
    ctx: CommandContext,
    stream: string,
    state: NotificationState,
    who: Identity & { messageId?: string },
  ): Promise<NotificationIntended | null> {
    if (state.intended) {
      deps.logger.warn(
        { notificationId: who.notificationId, channel: who.channel, attempt: state.intended.attempt + 1 },
        'an earlier hand-off of this notification was not recorded: sending it again, unchanged',
      );
    }
    const data = { ...who, composedAt: state.intended?.composedAt ?? deps.clock.now().toISOString() };
    const done = await executeCommand(
      deps.runtime,
      stream,
      notificationDecider,
      { type: 'IntendNotification', data },
      ctx,
    );
    return done.state.sent ? null : done.state.intended;
  }

  private async record(deps: ReactorDeps, ctx: CommandContext, stream: string, data: NotificationSent): Promise<void> {
    await executeCommand(deps.runtime, stream, notificationDecider, { type: 'RecordNotification', data }, ctx);
  }
}
