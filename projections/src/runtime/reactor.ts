import type {
  Clock,
  CommandContext,
  CommandRuntime,
  DocumentStore,
  Logger,
  PaymentGateway,
} from '@booking/shared-kernel';
import type { AnyDecoded } from './projector.js';

export interface ReactorDeps {
  runtime: CommandRuntime;
  docs: DocumentStore;
  clock: Clock;
  logger: Logger;
  /** the card gateway (Stripe or the sandbox) */
  gateway: PaymentGateway;
  /** PayPal, when offered: refunds and reconciliation of payments made with it */
  paypal?: PaymentGateway | null;
}

/**
 * Turns events into effects. Delivery is at least once, so `handle` records its effect
 * through commands that are idempotent for the causing event (re-handling is a no-op).
 */
export interface Reactor {
  readonly name: string;
  readonly eventTypes: ReadonlySet<string>;
  handle(event: AnyDecoded, deps: ReactorDeps, ctx: CommandContext): Promise<void>;
}

/** The context of commands a reactor issues: same correlation, caused by the event. */
export function reactorContext(reactor: string, event: AnyDecoded): CommandContext {
  return {
    actor: { id: `reactor:${reactor}`, role: 'system' },
    correlationId: event.metadata.correlationId,
    causationId: event.metadata.eventId,
  };
}
