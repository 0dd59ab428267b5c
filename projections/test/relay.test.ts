/**
 * The relay on the embedded adapters: publishes each committed event to its context's
 * topic keyed by stream id, skips the command side's idempotency records, checkpoints
 * after the bus acknowledged, and after a restart or a bus outage neither loses nor floods.
 */
import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import {
  createLogger,
  decodeEvent,
  type BusMessage,
  type MessageBus,
  type NewEvent,
  type OutgoingMessage,
} from '@booking/shared-kernel';
import { EmbeddedDocumentStore, InProcessBus, SqliteEventStore } from '@booking/shared-kernel/adapters';
import { Relay } from '../src/relay/relay.js';

const logger = createLogger({ level: 'silent' });

function ev(type: string, n: number): NewEvent {
  return {
    type,
    data: { n },
    metadata: {
      eventId: randomUUID(),
      correlationId: 'c',
      causationId: 'c',
      actor: { id: 'test', role: 'system' },
      schemaVersion: 1,
      recordedAt: new Date().toISOString(),
    },
  };
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** a bus whose publish fails while `down` */
class FlakyBus extends InProcessBus {
  down = false;
  override async publish(topic: string, messages: readonly OutgoingMessage[]): Promise<void> {
    if (this.down) throw new Error('broker unreachable');
    return super.publish(topic, messages);
  }
}

describe('relay', () => {
  const dirs: string[] = [];
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c();
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  async function setup(bus: MessageBus) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relay-test-'));
    dirs.push(dir);
    const store = new SqliteEventStore({ path: path.join(dir, 'events.sqlite'), pollIntervalMs: 10 });
    const docs = new EmbeddedDocumentStore({ path: path.join(dir, 'docs.sqlite') });
    closers.push(
      () => store.close(),
      () => docs.close(),
      () => bus.close(),
    );
    const seen: BusMessage[] = [];
    await bus.subscribe(
      'observer',
      ['booking-events', 'payment-events', 'capacity-events'],
      async (m) => void seen.push(m),
    );
    return { store, docs, seen };
  }

  it('publishes per context topic keyed by stream, checkpoints, and resumes without flooding', async () => {
    const bus = new InProcessBus();
    const { store, docs, seen } = await setup(bus);
    await store.append('booking-1', [ev('BookingPlaced', 1), ev('BookingConfirmed', 2)], 'no_stream');
    await store.append('payment-1', [ev('PaymentStarted', 3)], 'no_stream');
    await store.append('idempotency-x', [ev('IdempotencyKeyClaimed', 4)], 'no_stream');
    const relay = new Relay(store, docs, bus, logger);
    await relay.start();
    await until(() => seen.length === 3);
    await until(() => relay.status().position === '4');
    await relay.stop();
    expect(seen.map((m) => [m.topic, m.key, decodeEvent(m).type])).toEqual([
      ['booking-events', 'booking-1', 'BookingPlaced'],
      ['booking-events', 'booking-1', 'BookingConfirmed'],
      ['payment-events', 'payment-1', 'PaymentStarted'],
    ]);
    expect(relay.status()).toMatchObject({ published: 3, skipped: 1 });
    expect(await docs.getCheckpoint('relay:relay')).toMatch(/^0+4\./);

    await store.append('slot-o-1', [ev('CapacityReserved', 5)], 'no_stream');
    const again = new Relay(store, docs, bus, logger);
    await again.start();
    await until(() => seen.length === 4);
    await new Promise((r) => setTimeout(r, 100));
    await again.stop();
    expect(seen).toHaveLength(4);
    expect(decodeEvent(seen[3]!).streamId).toBe('slot-o-1');
  });

  it('keeps retrying while the bus is down and loses nothing; order per stream holds', async () => {
    const bus = new FlakyBus();
    const { store, docs, seen } = await setup(bus);
    const relay = new Relay(store, docs, bus, logger, { maxBackoffMs: 20, batchSize: 7 });
    await relay.start();
    await store.append('booking-a', [ev('BookingPlaced', 0)], 'no_stream');
    await until(() => seen.length === 1);
    bus.down = true;
    for (let i = 1; i <= 40; i++)
      await store.append(`booking-${i % 2 ? 'a' : 'b'}`, [ev('BookingConfirmed', i)], 'any');
    await until(() => relay.status().failures >= 3);
    expect(seen).toHaveLength(1);
    bus.down = false;
    await until(() => seen.length >= 41);
    await relay.stop();
    const ns = (key: string) => seen.filter((m) => m.key === key).map((m) => (decodeEvent(m).data as { n: number }).n);
    expect(new Set(seen.map((m) => decodeEvent(m).metadata.eventId)).size).toBe(41);
    expect(ns('booking-a')).toEqual([...ns('booking-a')].sort((x, y) => x - y));
    expect(ns('booking-b')).toEqual([...ns('booking-b')].sort((x, y) => x - y));
    expect(relay.status().position).toBe('41');
  });
});
