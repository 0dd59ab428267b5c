/**
 * The embedded message bus: topics are in-memory logs (one partition each), consumer
 * groups keep committed offsets, so a member that closes and a new member of the same
 * group resume where the group left off. Durable for the life of one process; roles in
 * separate processes use Kafka.
 *
 * Like a one-partition Kafka topic, a group has one active member at a time; further
 * members of the group stand by and take over when it closes.
 */
import {
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

interface Stored extends BusMessage {
  readonly seq: number;
}

interface Group {
  readonly offsets: Map<string, number>;
  readonly members: Member[];
}

class Waiter {
  private resolvers: (() => void)[] = [];
  wait(ms?: number): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        if (timer) clearTimeout(timer);
        resolve();
      };
      this.resolvers.push(done);
      if (ms !== undefined)
        timer = setTimeout(() => {
          this.resolvers = this.resolvers.filter((r) => r !== done);
          resolve();
        }, ms);
    });
  }
  wakeAll(): void {
    const rs = this.resolvers;
    this.resolvers = [];
    for (const r of rs) r();
  }
}

class Member implements BusSubscription {
  closing = false;
  handled = 0;
  parked = 0;
  lastError: string | null = null;
  loop: Promise<void> = Promise.resolve();

  constructor(
    readonly bus: InProcessBus,
    readonly groupName: string,
    readonly group: Group,
    readonly topics: readonly string[],
    readonly handler: MessageHandler,
    readonly options: ConsumerOptions,
  ) {}

  status(): ConsumerStatus {
    return {
      group: this.groupName,
      topics: this.topics,
      running: !this.closing,
      handled: this.handled,
      parked: this.parked,
      lastError: this.lastError,
    };
  }

  private next(): Stored | null {
    let best: Stored | null = null;
    for (const t of this.topics) {
      const log = this.bus.log(t);
      const m = log[this.group.offsets.get(t) ?? 0];
      if (m && (!best || m.seq < best.seq)) best = m;
    }
    return best;
  }

  async run(): Promise<void> {
    while (!this.closing) {
      const message = this.group.members[0] === this ? this.next() : null;
      if (!message) {
        await this.bus.waiter.wait(1000);
        continue;
      }
      const outcome = await deliver(message, this.handler, this.options, {
        group: this.groupName,
        publishDeadLetter: (topic, m) => this.bus.publish(topic, [m]),
        isStopping: () => this.closing,
        sleep: (ms) => this.bus.waiter.wait(ms).then(() => undefined),
        onError: (err) => {
          this.lastError = errorMessage(err);
        },
      });
      if (outcome === 'aborted') break;
      if (outcome === 'handled') this.handled++;
      else this.parked++;
      this.group.offsets.set(message.topic, Number(message.offset) + 1);
    }
  }

  async close(): Promise<void> {
    if (this.closing) return this.loop;
    this.closing = true;
    this.bus.waiter.wakeAll();
    await this.loop;
    const i = this.group.members.indexOf(this);
    if (i >= 0) this.group.members.splice(i, 1);
    this.bus.forget(this);
    this.bus.waiter.wakeAll();
  }
}

export class InProcessBus implements MessageBus {
  private readonly topics = new Map<string, Stored[]>();
  private readonly groups = new Map<string, Group>();
  private readonly members = new Set<Member>();
  private seq = 0;
  private closed = false;
  /** @internal */
  readonly waiter = new Waiter();

  /** @internal */
  log(topic: string): Stored[] {
    let log = this.topics.get(topic);
    if (!log) this.topics.set(topic, (log = []));
    return log;
  }

  /** @internal */
  forget(member: Member): void {
    this.members.delete(member);
  }

  async ensureTopics(topics: readonly string[], options: { withDlq?: boolean } = {}): Promise<void> {
    for (const t of topics) {
      this.log(t);
      if (options.withDlq) this.log(`${t}.dlq`);
    }
  }

  async publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    if (this.closed) throw new Error('message bus is closed');
    const log = this.log(topic);
    for (const m of messages) {
      log.push({
        topic,
        partition: 0,
        offset: String(log.length),
        key: m.key,
        value: m.value,
        headers: { ...m.headers },
        seq: this.seq++,
      });
    }
    this.waiter.wakeAll();
  }

  async subscribe(
    groupName: string,
    topics: readonly string[],
    handler: MessageHandler,
    options: ConsumerOptions = {},
  ): Promise<BusSubscription> {
    if (this.closed) throw new Error('message bus is closed');
    let group = this.groups.get(groupName);
    if (!group) this.groups.set(groupName, (group = { offsets: new Map(), members: [] }));
    for (const t of topics) {
      if (!group.offsets.has(t)) group.offsets.set(t, options.fromBeginning === false ? this.log(t).length : 0);
    }
    const member = new Member(this, groupName, group, [...topics], handler, options);
    group.members.push(member);
    this.members.add(member);
    member.loop = member.run().catch((err: unknown) => {
      // only a dead letter that could not be stored gets here (the bus closed under it)
      member.lastError = errorMessage(err);
      member.closing = true;
    });
    return member;
  }

  async close(): Promise<void> {
    await Promise.all([...this.members].map((m) => m.close()));
    this.closed = true;
  }
}
