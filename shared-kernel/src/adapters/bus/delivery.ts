/**
 * Delivery of one message to a consumer group's handler, shared by the bus adapters:
 * awaited, retried with backoff, and parked on `<topic>.dlq` with the reason when it
 * keeps failing (or at once for a permanent error). The caller commits the offset only
 * when this returns `handled` or `parked`.
 */
import {
  BUS_HEADERS,
  backoffMs,
  dlqTopic,
  errorMessage,
  MalformedMessageError,
  type BusMessage,
  type ConsumerOptions,
  type MessageHandler,
  type OutgoingMessage,
} from '../../ports/message-bus.js';

export type DeliveryOutcome = 'handled' | 'parked' | 'aborted';

export interface DeliveryContext {
  readonly group: string;
  /** publishes the dead letter; resolves after the broker acknowledged it */
  publishDeadLetter(topic: string, message: OutgoingMessage): Promise<void>;
  isStopping(): boolean;
  /** waits `ms` unless the consumer stops first (kept alive meanwhile, e.g. heartbeats) */
  sleep(ms: number): Promise<void>;
  onError(err: unknown, attempt: number): void;
}

export function deadLetterFor(message: BusMessage, group: string, reason: string, attempts: number): OutgoingMessage {
  return {
    key: message.key,
    value: message.value,
    headers: {
      ...message.headers,
      [BUS_HEADERS.dlqReason]: reason.slice(0, 4000),
      [BUS_HEADERS.dlqTopic]: message.topic,
      [BUS_HEADERS.dlqPartition]: String(message.partition),
      [BUS_HEADERS.dlqOffset]: message.offset,
      [BUS_HEADERS.dlqGroup]: group,
      [BUS_HEADERS.dlqAttempts]: String(attempts),
    },
  };
}

export async function deliver(
  message: BusMessage,
  handler: MessageHandler,
  options: ConsumerOptions,
  ctx: DeliveryContext,
): Promise<DeliveryOutcome> {
  const maxAttempts = Math.max(1, options.maxAttempts ?? 5);
  const base = options.baseBackoffMs ?? 100;
  for (let attempt = 1; ; attempt++) {
    try {
      await handler(message);
      return 'handled';
    } catch (err) {
      ctx.onError(err, attempt);
      const permanent = err instanceof MalformedMessageError || (options.isPermanent?.(err) ?? false);
      if (permanent || attempt >= maxAttempts) {
        const reason = errorMessage(err);
        await ctx.publishDeadLetter(dlqTopic(message.topic), deadLetterFor(message, ctx.group, reason, attempt));
        await options.onParked?.(message, reason, attempt);
        return 'parked';
      }
      // a stopping consumer leaves the message uncommitted: the next member gets it again
      if (ctx.isStopping()) return 'aborted';
      await ctx.sleep(backoffMs(base, attempt));
      if (ctx.isStopping()) return 'aborted';
    }
  }
}
