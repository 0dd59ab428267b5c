import { AppError, type ErrorKind } from '@booking/shared-kernel';

/** A gateway's webhook endpoint without the settings that verify it: 404, as if absent. */
export class WebhookNotConfiguredError extends AppError {
  readonly kind: ErrorKind = 'not-found';
  constructor(gateway: string, variables: string) {
    super(`${gateway} webhooks are not configured (${variables})`, 'webhook-not-configured');
  }
}
