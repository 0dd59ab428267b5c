/**
 * The effect reactors of a paid booking (issue #7), assembled from the platform's
 * adapters: receipts, notifications and TikTok conversions, plus the reminder scheduler.
 */
import type { Config, ContactDirectory, Mailer, ObjectStore } from '@booking/shared-kernel';
import type { Reactor, ReactorDeps } from '../runtime/reactor.js';
import { receiptsReactor } from '../receipts/receipts-reactor.js';
import { notificationsReactor } from '../notifications/notifications-reactor.js';
import { Notifier } from '../notifications/notifier.js';
import { RecordedSms, TwilioSms, type SmsSender } from '../notifications/sms.js';
import { ReminderScheduler } from '../notifications/reminders.js';
import { conversionsReactor } from '../conversions/conversions-reactor.js';
import { TikTokEventsClient } from '../conversions/tiktok-client.js';

export interface EffectAdapters {
  objects: ObjectStore;
  mailer: Mailer;
  contacts: ContactDirectory;
  sms?: SmsSender;
  /** tests: no real sleeping between TikTok and Twilio retries */
  sleep?: (ms: number) => Promise<void>;
}

export function effectReactors(
  config: Config,
  adapters: EffectAdapters,
): { reactors: Reactor[]; reminders: (deps: ReactorDeps, intervalMs?: number) => ReminderScheduler } {
  const fx = config.effects;
  const publicBaseUrl = config.identity.publicBaseUrl;
  const sms =
    adapters.sms ??
    (fx.twilio
      ? new TwilioSms({ ...fx.twilio, ...(adapters.sleep ? { sleep: adapters.sleep } : {}) })
      : new RecordedSms());
  const notifier = new Notifier({ mailer: adapters.mailer, sms, mailFrom: config.identity.mailFrom });
  const client = new TikTokEventsClient({
    apiUrl: fx.tiktok.apiUrl,
    accessToken: fx.tiktok.accessToken,
    pixelCode: fx.tiktok.pixelCode,
    testEventCode: fx.tiktok.testEventCode,
    maxAttempts: fx.tiktok.maxAttempts,
    baseBackoffMs: fx.tiktok.baseBackoffMs,
    ...(adapters.sleep ? { sleep: adapters.sleep } : {}),
  });
  return {
    reactors: [
      receiptsReactor({ objects: adapters.objects, contacts: adapters.contacts, taxRateBps: fx.receiptTaxRateBps }),
      notificationsReactor({ notifier, contacts: adapters.contacts, objects: adapters.objects, publicBaseUrl }),
      conversionsReactor({
        client,
        contacts: adapters.contacts,
        purchaseEventName: fx.tiktok.purchaseEventName,
        testEventCode: fx.tiktok.testEventCode,
        publicBaseUrl,
      }),
    ],
    reminders: (deps, intervalMs) =>
      new ReminderScheduler(deps, {
        notifier,
        contacts: adapters.contacts,
        leadMinutes: fx.reminderLeadMinutes,
        publicBaseUrl,
        ...(intervalMs ? { intervalMs } : {}),
      }),
  };
}
