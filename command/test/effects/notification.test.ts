/**
 * The notification stream: an intent before each hand-off to the provider (numbered, so a
 * second one shows the first was not recorded), then one NotificationSent; nothing after it.
 */
import { describe, it } from 'vitest';
import type { NotificationIntended, NotificationSent } from '@booking/shared-kernel';
import { notificationDecider } from '../../src/effects/recorded-effects.js';
import { scenario } from '../support/given-when-then.js';

const ID = '0190b7a0-0000-7000-8000-000000000043';
const CAUSE = '0190b7a0-0000-7000-8000-000000000042';
const who = {
  notificationId: ID,
  channel: 'email' as const,
  template: 'receipt',
  recipientHash: 'a'.repeat(64),
  causeEventId: CAUSE,
};
const intentData = { ...who, messageId: `<${ID}@notifications.booking.local>`, composedAt: '2030-01-07T08:00:00.000Z' };
const intended = (attempt: number) => ({
  type: 'NotificationIntended' as const,
  data: { ...intentData, attempt } satisfies NotificationIntended,
});
const sentData: NotificationSent = {
  ...who,
  providerMessageId: intentData.messageId,
  outcome: 'sent',
  attempts: 1,
};
const sent = { type: 'NotificationSent' as const, data: sentData };

describe('notification decider', () => {
  const spec = scenario(notificationDecider);
  const intend = { type: 'IntendNotification' as const, data: intentData };
  const record = { type: 'RecordNotification' as const, data: sentData };

  it('the first intent is attempt 1', () => {
    spec
      .given([])
      .when(intend)
      .then([intended(1)]);
  });

  it('an intent without an outcome is followed by attempt 2 (the first hand-off may have reached the provider)', () => {
    spec
      .given([intended(1)])
      .when(intend)
      .then([intended(2)]);
  });

  it('records the outcome once', () => {
    spec
      .given([intended(1)])
      .when(record)
      .then([sent]);
    spec
      .given([intended(1), sent])
      .when(record)
      .thenNothing();
  });

  it('no intent after the outcome is recorded', () => {
    spec
      .given([intended(1), sent])
      .when(intend)
      .thenNothing();
  });

  it('an outcome without an intent (skipped, dry run) is recorded', () => {
    spec
      .given([])
      .when({ type: 'RecordNotification', data: { ...sentData, providerMessageId: 'not-sent', outcome: 'skipped' } })
      .then([{ type: 'NotificationSent', data: { ...sentData, providerMessageId: 'not-sent', outcome: 'skipped' } }]);
  });
});
