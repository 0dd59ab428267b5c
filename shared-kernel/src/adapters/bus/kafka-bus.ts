/**
 * The message bus on Apache Kafka via kafkajs 2.2.4.
 *
 * - Producer: idempotent (acks=all, one request in flight), so a retried send neither
 *   duplicates nor reorders within a partition; `publish` resolves after the broker acked.
 * - Topics are pre-created (`ensureTopics`, with their `.dlq` topics); the client never
 *   relies on broker-side auto-creation.
 * - Consumers: one kafkajs consumer per `subscribe`, `autoCommit: false`; the offset is
 *   committed right after the awaited handler succeeded, or after the message was parked on
 *   `<topic>.dlq`. A consumer that crashes for good is rebuilt with backoff; "group
 *   coordinator not available" (a single-node broker whose offsets topic wants 3 replicas:
 *   set offsets.topic.replication.factor=1) is retried the same way and logged with that hint.
 * - Shutdown: `close()` lets the message in hand finish and commit, then disconnects;
 *   with `shutdownOnSignals` it runs on SIGTERM/SIGINT too (the platform's own SIGTERM
 *   handler calls it through `platform.stop()`).
 *
 * kafkajs is unmaintained since 2023, which is why it stays behind this port.
 */
import type { Admin, Consumer, EachMessagePayload, IHeaders, Kafka, LogEntry, Producer } from 'kafkajs';
import { lazyModule } from '../lazy-module.js';
import type { Logger } from 'pino';
import {
  dlqTopic,
  errorMessage,
  type BusMessage,
  type BusSubscription,
  type ConsumerOptions,
  type ConsumerStatus,
  type MessageBus,
  type MessageHandler,
  type OutgoingMessage,
} from '../../ports/message-bus.js';
import { deliver } from './delivery.js';

const kafkajs = lazyModule<typeof import('kafkajs')>('kafkajs');

export interface KafkaBusOptions {
  brokers: readonly string[];
  clientId?: string;
  logger?: Logger;
  /** partitions of the topics this bus creates (default 3: a group scales to 3 members) */
  partitions?: number;
  replicationFactor?: number;
  /** how long `subscribe` waits for the first group join before it returns anyway (ms) */
  joinTimeoutMs?: number;
  /** close on SIGTERM/SIGINT (default false: the owner closes it) */
  shutdownOnSignals?: boolean;
}

const COORDINATOR = /coordinator.*not available|COORDINATOR_NOT_AVAILABLE/i;

function headersOf(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (v === undefined) continue;
    const first = Array.isArray(v) ? v[0] : v;
    if (first !== undefined) out[k] = first.toString();
  }
  return out;
}

class KafkaSubscription implements BusSubscription {
  private consumer: Consumer | null = null;
  private closing = false;
  private handled = 0;
  private parked = 0;
  private lastError: string | null = null;
  private running = false;
  private restartTimer: NodeJS.Timeout | null = null;
  private attempt = 0;
  private wakeSleep: (() => void) | null = null;

  constructor(
    private readonly bus: KafkaBus,
    private readonly group: string,
    private readonly topics: readonly string[],
    private readonly handler: MessageHandler,
    private readonly options: ConsumerOptions,
  ) {}

  status(): ConsumerStatus {
    return {
      group: this.group,
      topics: this.topics,
      running: this.running && !this.closing,
      handled: this.handled,
      parked: this.parked,
      lastError: this.lastError,
    };
  }

  /** Connects, joins and runs; resolves after the first join (or the join timeout). */
  async start(): Promise<void> {
    const joined = new Promise<void>((resolve) => {
      const t = setTimeout(resolve, this.bus.joinTimeoutMs);
      this.onJoin = () => {
        clearTimeout(t);
        resolve();
      };
    });
    this.launch();
    await joined;
  }

  private onJoin: () => void = () => undefined;

  private launch(): void {
    if (this.closing) return;
    this.startOnce().then(
      () => {
        this.attempt = 0;
      },
      (err: unknown) => this.scheduleRestart(err),
    );
  }

  private scheduleRestart(err: unknown): void {
    this.running = false;
    if (this.closing) return;
    this.lastError = errorMessage(err);
    this.attempt++;
    const delay = Math.min(30_000, 500 * 2 ** Math.min(this.attempt - 1, 6));
    const hint = COORDINATOR.test(this.lastError)
      ? ' (single-node broker? offsets.topic.replication.factor must be 1)'
      : '';
    this.bus.logger?.warn({ err, group: this.group, delayMs: delay }, `kafka consumer stopped; restarting${hint}`);
    const old = this.consumer;
    this.consumer = null;
    void old?.disconnect().catch(() => undefined);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      this.launch();
    }, delay);
  }

  private async startOnce(): Promise<void> {
    const consumer = this.bus.client.consumer({
      groupId: this.group,
      allowAutoTopicCreation: false,
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
      // a stopping consumer waits for its fetch's long poll: keep it short so close() is quick
      maxWaitTimeInMs: 500,
      retry: { initialRetryTime: 300, retries: 8 },
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, () => {
      this.running = true;
      this.onJoin();
    });
    consumer.on(consumer.events.CRASH, (event) => {
      const { error, restart } = event.payload;
      this.lastError = errorMessage(error);
      // kafkajs restarts by itself after a retriable crash; otherwise build a new consumer
      if (!restart && this.consumer === consumer) this.scheduleRestart(error);
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [...this.topics], fromBeginning: this.options.fromBeginning ?? true });
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: 1,
      eachMessage: async (payload) => {
        const work = this.handle(consumer, payload);
        this.current = work.catch(() => undefined);
        await work;
      },
    });
  }

  /** the message in hand, awaited by close() before it leaves the group */
  private current: Promise<void> = Promise.resolve();

  private async handle(
    consumer: Consumer,
    { topic, partition, message, heartbeat }: EachMessagePayload,
  ): Promise<void> {
    if (this.closing) throw new Error('consumer closing: message left for the next member');
    const msg: BusMessage = {
      topic,
      partition,
      offset: message.offset,
      key: message.key?.toString() ?? '',
      value: message.value?.toString() ?? '',
      headers: headersOf(message.headers),
    };
    const outcome = await deliver(msg, this.handler, this.options, {
      group: this.group,
      publishDeadLetter: (t, m) => this.bus.publish(t, [m]),
      isStopping: () => this.closing,
      sleep: (ms) => this.sleep(ms, heartbeat),
      onError: (err, attempt) => {
        this.lastError = errorMessage(err);
        this.bus.logger?.warn(
          { err, group: this.group, topic, partition, offset: message.offset, attempt },
          'bus handler failed',
        );
      },
    });
    if (outcome === 'aborted') throw new Error('consumer closing: message left for the next member');
    await consumer.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
    if (outcome === 'handled') this.handled++;
    else {
      this.parked++;
      this.bus.logger?.error(
        { group: this.group, topic, partition, offset: message.offset, dlq: dlqTopic(topic) },
        'message parked on the dead-letter topic',
      );
    }
  }

  /** backoff that keeps the group membership alive and ends early on close */
  private async sleep(ms: number, heartbeat: () => Promise<void>): Promise<void> {
    const until = Date.now() + ms;
    while (!this.closing && Date.now() < until) {
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(1000, until - Date.now()));
        this.wakeSleep = () => {
          clearTimeout(t);
          r();
        };
      });
      this.wakeSleep = null;
      await heartbeat().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.wakeSleep?.();
    if (this.restartTimer) clearTimeout(this.restartTimer);
    // kafkajs skips commits once its runner is stopping, so the message in hand finishes
    // and commits BEFORE disconnect; pausing keeps the rest of the batch for the next member
    try {
      this.consumer?.pause(this.topics.map((topic) => ({ topic })));
    } catch {
      // not running yet
    }
    await this.current;
    // disconnect waits for the message in hand (its commit included), then leaves the group
    await this.consumer
      ?.disconnect()
      .catch((err: unknown) => this.bus.logger?.warn({ err, group: this.group }, 'kafka consumer disconnect failed'));
    this.running = false;
    this.bus.forget(this);
  }
}

export class KafkaBus implements MessageBus {
  /** @internal */
  readonly client: Kafka;
  /** @internal */
  readonly logger: Logger | undefined;
  /** @internal */
  readonly joinTimeoutMs: number;
  private readonly producer: Producer;
  private producerReady: Promise<void> | null = null;
  private readonly subscriptions = new Set<KafkaSubscription>();
  private readonly known = new Set<string>();
  private readonly partitions: number;
  private readonly replicationFactor: number;
  private closed = false;
  private readonly onSignal = () => {
    void this.close();
  };

  constructor(options: KafkaBusOptions) {
    this.logger = options.logger;
    this.partitions = options.partitions ?? 3;
    this.replicationFactor = options.replicationFactor ?? 1;
    this.joinTimeoutMs = options.joinTimeoutMs ?? 30_000;
    const logger = options.logger;
    const { Kafka: KafkaClient, logLevel } = kafkajs();
    this.client = new KafkaClient({
      clientId: options.clientId ?? 'booking-platform',
      brokers: [...options.brokers],
      connectionTimeout: 3_000,
      retry: { initialRetryTime: 300, retries: 8, maxRetryTime: 10_000 },
      logLevel: logLevel.WARN,
      logCreator: () => (entry: LogEntry) => {
        if (!logger) return;
        const { message, timestamp: _t, ...extra } = entry.log;
        const line = { kafka: entry.namespace, ...extra };
        if (entry.level === logLevel.ERROR) logger.error(line, message);
        else if (entry.level === logLevel.WARN) logger.warn(line, message);
        else logger.debug(line, message);
      },
    });
    this.producer = this.client.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    if (options.shutdownOnSignals) {
      process.once('SIGTERM', this.onSignal);
      process.once('SIGINT', this.onSignal);
    }
  }

  private async connectProducer(): Promise<void> {
    if (!this.producerReady) {
      this.producerReady = this.producer.connect().catch((err: unknown) => {
        this.producerReady = null;
        throw err;
      });
    }
    return this.producerReady;
  }

  private async withAdmin<T>(fn: (admin: Admin) => Promise<T>): Promise<T> {
    const admin = this.client.admin();
    await admin.connect();
    try {
      return await fn(admin);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  async ensureTopics(topics: readonly string[], options: { withDlq?: boolean } = {}): Promise<void> {
    const wanted = [...new Set(topics.flatMap((t) => (options.withDlq ? [t, dlqTopic(t)] : [t])))].filter(
      (t) => !this.known.has(t),
    );
    if (wanted.length === 0) return;
    await this.withAdmin(async (admin) => {
      const existing = new Set(await admin.listTopics());
      const missing = wanted.filter((t) => !existing.has(t));
      if (missing.length > 0) {
        await admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((topic) => ({
            topic,
            numPartitions: this.partitions,
            replicationFactor: this.replicationFactor,
          })),
        });
      }
    });
    for (const t of wanted) this.known.add(t);
  }

  async publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    if (this.closed) throw new Error('message bus is closed');
    if (messages.length === 0) return;
    if (!this.known.has(topic)) await this.ensureTopics([topic]);
    await this.connectProducer();
    await this.producer.send({
      topic,
      acks: -1,
      messages: messages.map((m) => ({ key: m.key, value: m.value, headers: { ...m.headers } })),
    });
  }

  async subscribe(
    group: string,
    topics: readonly string[],
    handler: MessageHandler,
    options: ConsumerOptions = {},
  ): Promise<BusSubscription> {
    if (this.closed) throw new Error('message bus is closed');
    await this.ensureTopics(topics, { withDlq: true });
    const sub = new KafkaSubscription(this, group, topics, handler, options);
    this.subscriptions.add(sub);
    await sub.start();
    return sub;
  }

  /** @internal */
  forget(sub: KafkaSubscription): void {
    this.subscriptions.delete(sub);
  }

  private closing: Promise<void> | null = null;

  close(): Promise<void> {
    this.closing ??= (async () => {
      process.removeListener('SIGTERM', this.onSignal);
      process.removeListener('SIGINT', this.onSignal);
      // subscriptions first: the message in hand may still park a dead letter
      await Promise.all([...this.subscriptions].map((s) => s.close()));
      this.closed = true;
      if (this.producerReady) await this.producer.disconnect().catch(() => undefined);
    })();
    return this.closing;
  }
}
