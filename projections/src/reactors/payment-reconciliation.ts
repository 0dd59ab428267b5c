/**
 * Finds payments the gateway has not told us about: a payment still STARTED
 * PAYMENT_RECONCILE_AFTER_MINUTES after it began is retrieved from the gateway, and its true outcome is recorded through the same
 * ApplyGatewayEvent command as webhooks, so a webhook arriving later changes nothing.
 * Candidates come from the `payments` read model, so a restart loses none.
 */
import {
  DomainRuleError,
  executeCommand,
  gatewayNamed,
  streams,
  type CommandContext,
  type IntentSnapshot,
} from '@booking/shared-kernel';
import { paymentDecider, type GatewayOutcome } from '@booking/command';
import type { ReactorDeps } from '../runtime/reactor.js';
import type { PaymentDoc } from '../read-models.js';
import { DueReads, ReadAbandonedByStop } from './due-reads.js';

/** What a retrieved intent tells us, or null while it is still open (awaiting the customer). */
export function outcomeOf(snapshot: IntentSnapshot): { eventId: string; outcome: GatewayOutcome } | null {
  const base = `reconcile:${snapshot.intentId}`;
  switch (snapshot.status) {
    case 'succeeded':
      return {
        eventId: `${base}:succeeded`,
        outcome: {
          kind: 'succeeded',
          reference: snapshot.chargeId ?? snapshot.intentId,
          amount: { ...snapshot.amount },
        },
      };
    case 'canceled':
      return {
        eventId: `${base}:canceled`,
        outcome: { kind: 'canceled', reason: snapshot.cancellationReason ?? 'canceled' },
      };
    case 'requires_payment_method':
      return snapshot.lastError
        ? {
            eventId: `${base}:failed:${snapshot.lastError.code}`,
            outcome: { kind: 'failed', code: snapshot.lastError.code, reason: snapshot.lastError.reason },
          }
        : null;
    default:
      return null;
  }
}

export class PaymentReconciler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private readonly dueReads = new DueReads();
  private checked = 0;
  private recorded = 0;
  private lastError: string | null = null;
  /** when each payment was last checked: an open intent is not asked about every tick */
  private readonly lastChecked = new Map<string, number>();

  constructor(
    private readonly deps: ReactorDeps,
    private readonly afterMinutes: number,
    private readonly intervalMs = 60_000,
  ) {}

  start(): void {
    this.dueReads.start();
    const tick = () => {
      this.running = this.reconcileDue()
        .then(() => undefined)
        .catch((err: unknown) => {
          if (err instanceof ReadAbandonedByStop) return this.deps.logger.debug({ err }, err.message);
          this.lastError = err instanceof Error ? err.message : String(err);
          this.deps.logger.error({ err }, 'payment reconciliation tick failed; retrying next tick');
        })
        .finally(() => {
          this.running = null;
          if (this.timer) this.timer = setTimeout(tick, this.intervalMs);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  /** Checks every due payment; returns how many outcomes it recorded. */
  async reconcileDue(): Promise<number> {
    const now = this.deps.clock.now().getTime();
    const cutoff = new Date(now - this.afterMinutes * 60_000).toISOString();
    // payments made with a gateway this process has (the card gateway, PayPal when offered)
    const gateways = [this.deps.gateway, this.deps.paypal].flatMap((g) => (g ? [g.name] : []));
    const due = await this.dueReads.indexed(
      this.deps.docs.collection<PaymentDoc>('payments'),
      { status: 1, createdAt: 1 },
      (payments) =>
        payments.find(
          { status: 'STARTED', gateway: { $in: gateways }, createdAt: { $lte: cutoff } },
          { sort: { createdAt: 1 }, limit: 200 },
        ),
    );
    let recorded = 0;
    for (const payment of due) {
      const last = this.lastChecked.get(payment._id);
      if (last !== undefined && now - last < this.afterMinutes * 60_000) continue;
      this.lastChecked.set(payment._id, now);
      if (await this.reconcile(payment)) recorded++;
    }
    return recorded;
  }

  private async reconcile(payment: PaymentDoc): Promise<boolean> {
    const gateway = gatewayNamed(payment.gateway, this.deps.gateway, this.deps.paypal);
    if (!payment.intentId || !gateway) return false;
    const snapshot = await gateway.retrieve(payment.intentId);
    this.checked++;
    // only an intent that is this payment's tells its outcome (stripe-mock answers fixtures)
    const ours =
      (snapshot.paymentId === null || snapshot.paymentId === payment._id) &&
      snapshot.amount.amount === payment.amount.amount &&
      snapshot.amount.currency === payment.amount.currency;
    if (!ours) {
      this.deps.logger.warn(
        { paymentId: payment._id, intentId: payment.intentId },
        'the gateway returned an intent that does not match this payment; not reconciled',
      );
      return false;
    }
    const found = outcomeOf(snapshot);
    if (!found) return false;
    const ctx: CommandContext = {
      actor: { id: 'reactor:payment-reconciliation', role: 'system' },
      correlationId: payment.bookingId,
      causationId: found.eventId,
    };
    try {
      const result = await executeCommand(
        this.deps.runtime,
        streams.payment(payment._id),
        paymentDecider,
        {
          type: 'ApplyGatewayEvent',
          eventId: found.eventId,
          opening: null,
          outcome: found.outcome,
        },
        ctx,
      );
      if (result.events.length > 0) {
        this.recorded++;
        this.deps.logger.info(
          { paymentId: payment._id, status: snapshot.status },
          'payment reconciled with the gateway',
        );
      }
      return result.events.length > 0;
    } catch (err) {
      if (!(err instanceof DomainRuleError)) throw err;
      this.deps.logger.warn({ paymentId: payment._id, code: err.code }, 'gateway outcome refused by the payment rules');
      return false;
    }
  }

  status() {
    return { checked: this.checked, recorded: this.recorded, lastError: this.lastError };
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.dueReads.stop()) await this.running;
  }
}
