/**
 * The message bus port: integration events between roles (relay -> reactors). Adapters:
 * in-process (embedded default) and Kafka via kafkajs. Both pass
 * `shared-kernel/test/message-bus.contract.ts`.
 *
 * Delivery is at least once: a consumer group's offset moves past a message only after
 * its handler resolved (or after the message was parked on `<topic>.dlq`). Consumers
 * dedupe by event id or act through idempotent commands.
 */
import type { GlobalPosition, RecordedEvent } from './event-store.js';

/** Header names every published event carries. */
export const BUS_HEADERS = {
  type: 'event-type',
  eventId: 'event-id',
  correlationId: 'correlation-id',
  causationId: 'causation-id',
  streamId: 'stream-id',
  position: 'position',
  contentType: 'content-type',
  /** W3C trace context of the publish (when tracing is on) */
  traceparent: 'traceparent',
  /** on a dead letter: why it was parked, and where it came from */
  dlqReason: 'dlq-reason',
  dlqTopic: 'dlq-original-topic',
  dlqPartition: 'dlq-original-partition',
  dlqOffset: 'dlq-original-offset',
  dlqGroup: 'dlq-group',
  dlqAttempts: 'dlq-attempts',
} as const;

export const DLQ_SUFFIX = '.dlq';
export const dlqTopic = (topic: string): string => `${topic}${DLQ_SUFFIX}`;

export interface OutgoingMessage {
  /** partitioning key: the stream id, so one stream's events stay in order */
  readonly key: string;
  readonly value: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface BusMessage {
  readonly topic: string;
  readonly partition: number;
  /** decimal string (64-bit in Kafka) */
  readonly offset: string;
  readonly key: string;
  readonly value: string;
  readonly headers: Readonly<Record<string, string>>;
}

export type MessageHandler = (message: BusMessage) => Promise<void>;

export interface ConsumerOptions {
  /** a group with no committed offset starts at the oldest message (default) or the newest */
  readonly fromBeginning?: boolean;
  /** attempts before a failing message is parked on `<topic>.dlq` (default 5) */
  readonly maxAttempts?: number;
  /** first retry delay; doubles per attempt, capped at 30 s (default 100 ms) */
  readonly baseBackoffMs?: number;
  /** errors no retry can fix (malformed message, business-rule refusal): parked at once */
  readonly isPermanent?: (err: unknown) => boolean;
  /** called after a message was parked on the dead-letter topic */
  readonly onParked?: (message: BusMessage, reason: string, attempts: number) => Promise<void> | void;
}

export interface ConsumerStatus {
  readonly group: string;
  readonly topics: readonly string[];
  readonly running: boolean;
  readonly handled: number;
  readonly parked: number;
  readonly lastError: string | null;
}

export interface BusSubscription {
  status(): ConsumerStatus;
  /** stops taking messages; resolves after the message in hand finished (and was committed) */
  close(): Promise<void>;
}

export interface MessageBus {
  /** creates missing topics (and their dead-letter topics when `withDlq`) */
  ensureTopics(topics: readonly string[], options?: { withDlq?: boolean }): Promise<void>;
  /** resolves once the broker acknowledged every message (in order per key) */
  publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void>;
  /**
   * Joins consumer group `group` on `topics`. The handler is awaited, one message at a
   * time per partition; the offset is committed only after it succeeded. A failing message
   * is retried with backoff, then parked on `<topic>.dlq` with the reason, and the group
   * moves on.
   */
  subscribe(
    group: string,
    topics: readonly string[],
    handler: MessageHandler,
    options?: ConsumerOptions,
  ): Promise<BusSubscription>;
  /** closes every subscription (finishing the message in hand) and the producer */
  close(): Promise<void>;
}

// ------------------------------------------------------------------ event encoding

/** The JSON form of a recorded event on the bus: 64-bit numbers as strings. */
interface WireEvent {
  streamId: string;
  revision: string;
  position: { commit: string; prepare: string };
  type: string;
  data: Record<string, unknown>;
  metadata: RecordedEvent['metadata'];
}

/** Serializes any value with bigints as decimal strings (never a raw bigint in JSON). */
export function bigintSafeStringify(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

export function encodeEvent(event: RecordedEvent): OutgoingMessage {
  const wire: WireEvent = {
    streamId: event.streamId,
    revision: event.revision.toString(),
    position: { commit: event.position.commit.toString(), prepare: event.position.prepare.toString() },
    type: event.type,
    data: event.data,
    metadata: event.metadata,
  };
  return {
    key: event.streamId,
    value: bigintSafeStringify(wire),
    headers: {
      [BUS_HEADERS.type]: event.type,
      [BUS_HEADERS.eventId]: event.metadata.eventId,
      [BUS_HEADERS.correlationId]: event.metadata.correlationId,
      [BUS_HEADERS.causationId]: event.metadata.causationId,
      [BUS_HEADERS.streamId]: event.streamId,
      [BUS_HEADERS.position]: `${event.position.commit}/${event.position.prepare}`,
      [BUS_HEADERS.contentType]: 'application/json',
      ...(event.metadata.traceparent ? { [BUS_HEADERS.traceparent]: event.metadata.traceparent } : {}),
    },
  };
}

export class MalformedMessageError extends Error {
  override readonly name = 'MalformedMessageError';
}

const INT = /^-?\d{1,20}$/;

export function decodeEvent(message: Pick<BusMessage, 'value' | 'topic' | 'offset'>): RecordedEvent {
  let wire: WireEvent;
  try {
    wire = JSON.parse(message.value) as WireEvent;
  } catch {
    throw new MalformedMessageError(`${message.topic}@${message.offset}: value is not JSON`);
  }
  const ok =
    wire &&
    typeof wire === 'object' &&
    typeof wire.streamId === 'string' &&
    typeof wire.type === 'string' &&
    typeof wire.revision === 'string' &&
    INT.test(wire.revision) &&
    wire.position &&
    typeof wire.position.commit === 'string' &&
    INT.test(wire.position.commit) &&
    typeof wire.position.prepare === 'string' &&
    INT.test(wire.position.prepare) &&
    typeof wire.data === 'object' &&
    wire.data !== null &&
    typeof wire.metadata === 'object' &&
    wire.metadata !== null &&
    typeof wire.metadata.eventId === 'string';
  if (!ok) throw new MalformedMessageError(`${message.topic}@${message.offset}: not a recorded event`);
  const position: GlobalPosition = { commit: BigInt(wire.position.commit), prepare: BigInt(wire.position.prepare) };
  return {
    streamId: wire.streamId,
    revision: BigInt(wire.revision),
    position,
    type: wire.type,
    data: wire.data,
    metadata: wire.metadata,
  };
}

/** Delay before retry `attempt` (1-based), doubling from `base`, capped at 30 s. */
export function backoffMs(base: number, attempt: number): number {
  return Math.min(30_000, base * 2 ** Math.max(0, attempt - 1));
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
