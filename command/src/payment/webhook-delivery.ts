/**
 * What every gateway's webhook endpoint does around its own events: a delivery whose
 * signature does not verify is a 400 that records nothing, and the events a verified
 * delivery causes are recorded as the gateway's, caused by its event id.
 */
import type { Response } from 'express';
import { AppError, type CommandContext, type ErrorKind } from '@booking/shared-kernel';
import { WebhookSignatureError } from '@booking/shared-kernel/adapters';

export class InvalidSignatureError extends AppError {
  readonly kind: ErrorKind = 'validation';
  constructor(message: string) {
    super(message, 'invalid-signature');
  }
}

/** The gateway's event, or InvalidSignatureError when `verify` finds the signature wrong. */
export async function verifiedEvent<E>(gateway: 'Stripe' | 'PayPal', verify: () => E | Promise<E>): Promise<E> {
  try {
    return await verify();
  } catch (err) {
    if (err instanceof WebhookSignatureError) {
      throw new InvalidSignatureError(`the ${gateway} signature could not be verified: ${err.message}`);
    }
    throw err;
  }
}

export function webhookContext(res: Response, source: 'stripe' | 'paypal', eventId: string): CommandContext {
  return {
    actor: { id: `${source}-webhook`, role: 'system' },
    correlationId: (res.locals.correlationId as string | undefined) ?? eventId,
    causationId: `${source}:${eventId}`,
  };
}
