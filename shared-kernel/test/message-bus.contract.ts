/**
 * The message bus contract: every adapter runs this same suite.
 *
 *   messageBusContract('in-process', async () => new InProcessBus());
 *
 * Every test uses topics and groups with a random suffix, so the suite can run against a
 * shared broker that holds other data.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import {
  BUS_HEADERS,
  decodeEvent,
  dlqTopic,
  encodeEvent,
  type BusMessage,
  type BusSubscription,
  type MessageBus,
  type OutgoingMessage,
} from '../src/ports/message-bus.js';
import type { RecordedEvent } from '../src/ports/event-store.js';

export interface MessageBusContractOptions {
  /** how long to wait for deliveries (a real broker needs seconds to join a group) */
  readonly waitMs?: number;
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function recorded(streamId: string, revision: bigint, n: number): RecordedEvent {
  const big = 9_007_199_254_740_993n + BigInt(n); // beyond Number.MAX_SAFE_INTEGER
  return {
    streamId,
    revision,
    position: { commit: big, prepare: big + 1n },
    type: 'Tested',
    data: { n, text: 'héllo ✓' },
    metadata: {
      eventId: randomUUID(),
      correlationId: `corr-${n}`,
      causationId: `cause-${n}`,
      actor: { id: 'contract', role: 'system' },
      schemaVersion: 1,
      recordedAt: new Date().toISOString(),
    },
  };
}

function plain(n: number, key = 'k'): OutgoingMessage {
  return { key, value: JSON.stringify({ n }), headers: { n: String(n) } };
}
const nOf = (m: BusMessage) => (JSON.parse(m.value) as { n: number }).n;

export function messageBusContract(
  name: string,
  open: () => Promise<MessageBus>,
  options: MessageBusContractOptions = {},
): void {
  const waitMs = options.waitMs ?? 5_000;

  describe(`message bus contract: ${name}`, () => {
    const opened: MessageBus[] = [];
    const subs: BusSubscription[] = [];
    const run = randomUUID().slice(0, 8);
    let counter = 0;
    const unique = (what: string) => `contract-${what}-${run}-${++counter}`;

    async function bus(): Promise<MessageBus> {
      const b = await open();
      opened.push(b);
      return b;
    }
    async function subscribe(b: MessageBus, ...args: Parameters<MessageBus['subscribe']>): Promise<BusSubscription> {
      const s = await b.subscribe(...args);
      subs.push(s);
      return s;
    }

    afterEach(async () => {
      await Promise.all(subs.splice(0).map((s) => s.close()));
      await Promise.all(opened.splice(0).map((b) => b.close()));
    });

    it('round-trips a recorded event with 64-bit numbers, headers and the stream id as key', async () => {
      const b = await bus();
      const topic = unique('events');
      await b.ensureTopics([topic], { withDlq: true });
      const event = recorded('booking-1', 18_446_744_073_709_551_000n, 1);
      await b.publish(topic, [encodeEvent(event)]);
      const got: BusMessage[] = [];
      await subscribe(b, unique('group'), [topic], async (m) => {
        got.push(m);
      });
      await until(() => got.length === 1, waitMs, 'the event');
      const m = got[0]!;
      expect(m.key).toBe('booking-1');
      expect(m.topic).toBe(topic);
      expect(m.headers[BUS_HEADERS.type]).toBe('Tested');
      expect(m.headers[BUS_HEADERS.eventId]).toBe(event.metadata.eventId);
      expect(m.headers[BUS_HEADERS.correlationId]).toBe('corr-1');
      expect(decodeEvent(m)).toEqual(event);
    });

    it('delivers in order per key to every group, one awaited handler call at a time', async () => {
      const b = await bus();
      const topic = unique('ordered');
      await b.ensureTopics([topic], { withDlq: true });
      const messages = Array.from({ length: 30 }, (_, i) => plain(i, `stream-${i % 3}`));
      await b.publish(topic, messages.slice(0, 15));
      const byGroup = [[], []] as BusMessage[][];
      let inFlight = 0;
      let maxInFlight = 0;
      for (const [g, seen] of byGroup.entries()) {
        await subscribe(b, unique(`group${g}`), [topic], async (m) => {
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          await sleep(1);
          seen.push(m);
          inFlight--;
        });
      }
      await b.publish(topic, messages.slice(15));
      await until(() => byGroup.every((s) => s.length >= 30), waitMs, 'all messages in both groups');
      await sleep(200);
      expect(maxInFlight).toBeLessThanOrEqual(2); // one per subscription
      for (const seen of byGroup) {
        expect(seen).toHaveLength(30);
        for (const key of ['stream-0', 'stream-1', 'stream-2']) {
          const ns = seen.filter((m) => m.key === key).map(nOf);
          expect(ns).toEqual([...ns].sort((x, y) => x - y));
          expect(ns).toHaveLength(10);
        }
      }
    });

    it('retries a failing handler with backoff and moves on only after it succeeded', async () => {
      const b = await bus();
      const topic = unique('retry');
      await b.ensureTopics([topic], { withDlq: true });
      await b.publish(topic, [plain(1), plain(2), plain(3)]);
      const calls: number[] = [];
      const at: number[] = [];
      await subscribe(
        b,
        unique('group'),
        [topic],
        async (m) => {
          calls.push(nOf(m));
          if (nOf(m) === 2) at.push(Date.now());
          if (nOf(m) === 2 && calls.filter((n) => n === 2).length < 3) throw new Error('transient');
        },
        { maxAttempts: 5, baseBackoffMs: 50 },
      );
      await until(() => calls.includes(3), waitMs, 'the message after the failing one');
      expect(calls).toEqual([1, 2, 2, 2, 3]);
      expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(40);
      expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(90);
    });

    it('a group that restarts resumes after its last committed message: nothing lost, nothing repeated', async () => {
      const b = await bus();
      const topic = unique('resume');
      const group = unique('group');
      await b.ensureTopics([topic], { withDlq: true });
      await b.publish(
        topic,
        [1, 2, 3, 4, 5].map((n) => plain(n)),
      );
      const first: number[] = [];
      const s1 = await subscribe(b, group, [topic], async (m) => {
        first.push(nOf(m));
      });
      await until(() => first.length === 5, waitMs, 'the first five');
      await s1.close();
      await b.publish(
        topic,
        [6, 7, 8].map((n) => plain(n)),
      );
      const second: number[] = [];
      await subscribe(b, group, [topic], async (m) => {
        second.push(nOf(m));
      });
      await until(() => second.length >= 3, waitMs, 'the next three');
      await sleep(300);
      expect(first).toEqual([1, 2, 3, 4, 5]);
      expect(second).toEqual([6, 7, 8]);
    });

    it('close lets the message in hand finish and commit; the rest waits for the next member', async () => {
      const b = await bus();
      const topic = unique('close');
      const group = unique('group');
      await b.ensureTopics([topic], { withDlq: true });
      await b.publish(
        topic,
        [1, 2, 3].map((n) => plain(n)),
      );
      const started: number[] = [];
      const finished: number[] = [];
      const s1 = await subscribe(b, group, [topic], async (m) => {
        started.push(nOf(m));
        await sleep(300);
        finished.push(nOf(m));
      });
      await until(() => started.length === 1, waitMs, 'the first message');
      await s1.close();
      expect(finished).toEqual([1]);
      const next: number[] = [];
      await subscribe(b, group, [topic], async (m) => {
        next.push(nOf(m));
      });
      await until(() => next.length >= 2, waitMs, 'the rest');
      await sleep(300);
      expect(next).toEqual([2, 3]);
    });

    it('parks a poison message on <topic>.dlq with the reason and goes on', async () => {
      const b = await bus();
      const topic = unique('poison');
      await b.ensureTopics([topic], { withDlq: true });
      await b.publish(topic, [
        plain(1),
        { key: 'k', value: JSON.stringify({ n: 2 }), headers: { [BUS_HEADERS.eventId]: 'evt-2' } },
        plain(3),
      ]);
      const handled: number[] = [];
      const parked: { n: number; reason: string; attempts: number }[] = [];
      let attempts = 0;
      const sub = await subscribe(
        b,
        unique('group'),
        [topic],
        async (m) => {
          if (nOf(m) === 2) {
            attempts++;
            throw new Error('cannot handle message two');
          }
          handled.push(nOf(m));
        },
        {
          maxAttempts: 3,
          baseBackoffMs: 10,
          onParked: (m, reason, n) => void parked.push({ n: nOf(m), reason, attempts: n }),
        },
      );
      await until(() => handled.length === 2, waitMs, 'the healthy messages');
      expect(handled).toEqual([1, 3]);
      expect(attempts).toBe(3);
      expect(parked).toEqual([{ n: 2, reason: expect.stringContaining('cannot handle message two'), attempts: 3 }]);
      // the counters move when the handler's promise has settled, a moment after it ran
      await until(() => sub.status().handled === 2, waitMs, 'the handled count');
      expect(sub.status()).toMatchObject({ handled: 2, parked: 1 });

      const dead: BusMessage[] = [];
      await subscribe(b, unique('dlq-reader'), [dlqTopic(topic)], async (m) => {
        dead.push(m);
      });
      await until(() => dead.length === 1, waitMs, 'the dead letter');
      const d = dead[0]!;
      expect(nOf(d)).toBe(2);
      expect(d.key).toBe('k');
      expect(d.headers[BUS_HEADERS.eventId]).toBe('evt-2');
      expect(d.headers[BUS_HEADERS.dlqReason]).toContain('cannot handle message two');
      expect(d.headers[BUS_HEADERS.dlqTopic]).toBe(topic);
      expect(d.headers[BUS_HEADERS.dlqAttempts]).toBe('3');
    });

    it('parks a permanent error and a malformed event at once', async () => {
      const b = await bus();
      const topic = unique('permanent');
      await b.ensureTopics([topic], { withDlq: true });
      await b.publish(topic, [plain(1), { key: 'k', value: 'not json' }, plain(3)]);
      const calls: number[] = [];
      const parked: number[] = [];
      await subscribe(
        b,
        unique('group'),
        [topic],
        async (m) => {
          if (m.value === 'not json') decodeEvent(m); // throws MalformedMessageError
          calls.push(nOf(m));
          if (nOf(m) === 1) throw new RangeError('refused for good');
        },
        {
          maxAttempts: 5,
          baseBackoffMs: 1000,
          isPermanent: (err) => err instanceof RangeError,
          onParked: (_m, _r, n) => void parked.push(n),
        },
      );
      await until(() => calls.includes(3), waitMs, 'the last message');
      expect(calls).toEqual([1, 3]);
      expect(parked).toEqual([1, 1]);
    });
  });
}
