/**
 * The counters the happy booking flow leaves at zero: a reactor that fails then succeeds
 * (a failure and a retry), one refused by a business rule (parked at once: a dead letter,
 * shown by the parked gauge and on GET /api/admin/system), and commands that collide with
 * another writer (conflicts, retries, and a 409 reason when the retries run out).
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  createCommandRuntime,
  createLogger,
  DomainRuleError,
  executeCommand,
  InstrumentedDocumentStore,
  InstrumentedEventStore,
  ManualClock,
  newId,
  PlatformMetrics,
  SandboxGateway,
  WrongExpectedRevisionError,
  type CommandContext,
  type Decider,
  type EventStore,
  type NewEvent,
} from '@booking/shared-kernel';
import { EmbeddedDocumentStore, SqliteEventStore } from '@booking/shared-kernel/adapters';
import { instrumentReactor, ReactorRunner, type Reactor } from '@booking/projections';
import {
  alwaysOpenSchedule,
  eventually,
  settle,
  startHarness,
  tempDir,
  type Harness,
} from '../../test-support/harness.js';
import { attachRuntimeGauges } from '../../platform/runtime-gauges.js';
import { parsePrometheusText } from '../../test-support/prometheus-text.js';

const ctx: CommandContext = { actor: { id: 'test', role: 'system' }, correlationId: 'corr', causationId: 'cause' };
const claimed = (hash: string): NewEvent => ({
  type: 'IdempotencyKeyClaimed',
  data: { requestHash: hash.repeat(64).slice(0, 64) },
  metadata: {
    eventId: newId(),
    correlationId: 'corr',
    causationId: 'cause',
    actor: { id: 'test', role: 'system' },
    schemaVersion: 1,
    recordedAt: new Date().toISOString(),
  },
});

describe('reactor and concurrency metrics', () => {
  const stops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });

  it('a failing reactor counts failures, retries and dead letters; the parked gauge shows them', async () => {
    const dir = tempDir();
    const metrics = new PlatformMetrics();
    const store = new InstrumentedEventStore(new SqliteEventStore({ path: `${dir}/events.sqlite` }), metrics);
    const docs = new InstrumentedDocumentStore(new EmbeddedDocumentStore({ path: `${dir}/docs.sqlite` }), metrics);
    const clock = new ManualClock(new Date());
    let attemptsOnA = 0;
    const flaky: Reactor = {
      name: 'flaky',
      eventTypes: new Set(['IdempotencyKeyClaimed']),
      async handle(event) {
        const hash = (event.data as { requestHash: string }).requestHash;
        if (hash.startsWith('a') && ++attemptsOnA === 1) throw new Error('transient: try again');
        if (hash.startsWith('b')) throw new DomainRuleError('not-allowed', 'refused for good');
      },
    };
    const runner = new ReactorRunner(
      store,
      [instrumentReactor(flaky, metrics)],
      {
        runtime: createCommandRuntime(store, clock),
        docs,
        clock,
        logger: createLogger({ level: 'silent' }),
        gateway: new SandboxGateway(),
      },
      createLogger({ level: 'silent' }),
      { maxAttempts: 3, baseBackoffMs: 1, onParked: (r) => metrics.reactorDeadLetters.cell(r).value++ },
    );
    await runner.start();
    stops.push(async () => {
      await runner.stop();
      await docs.close();
      await store.close();
    });
    attachRuntimeGauges(metrics, {
      eventStore: store,
      documentStore: docs,
      projections: null,
      reactors: runner,
      relay: null,
    });

    await store.append('key-a', [claimed('a')], 'no_stream');
    await store.append('key-b', [claimed('b')], 'no_stream');
    await store.append('key-c', [claimed('c')], 'no_stream');
    await eventually(async () => runner.status().reactors[0]!.position === '3' && runner.status().deadLetters === 1);
    await docs.flush();

    const scrape = parsePrometheusText(await metrics.render());
    const of = (name: string) => scrape.value(name, { reactor: 'flaky' });
    expect(of('booking_reactor_events_handled_total')).toBe(2); // a (second attempt), c
    expect(of('booking_reactor_failures_total')).toBe(2); // a's first attempt, b
    expect(of('booking_reactor_retries_total')).toBe(1); // a again
    expect(of('booking_reactor_dead_letters_total')).toBe(1); // b, parked at once
    expect(of('booking_reactor_parked_events')).toBe(1);
    expect(of('booking_reactor_backlog_events')).toBe(0);
    expect(of('booking_reactor_handle_duration_seconds_count')).toBe(4);
    expect(scrape.value('booking_events_appended_total', { type: 'IdempotencyKeyClaimed' })).toBe(3);
  });

  it('a writer that keeps colliding: conflicts and retries counted, then refused with reason conflict', async () => {
    const dir = tempDir();
    const metrics = new PlatformMetrics();
    const sqlite = new SqliteEventStore({ path: `${dir}/events.sqlite` });
    stops.push(() => sqlite.close());
    let collisions = 2;
    // another process "wins" the first appends: the store refuses them for a stale revision
    const contended: EventStore = new Proxy(sqlite, {
      get(target, prop) {
        if (prop === 'append')
          return async (streamId: string, events: readonly NewEvent[], expected: bigint | 'no_stream') => {
            if (collisions-- > 0) throw new WrongExpectedRevisionError(streamId, expected, 0n);
            return target.append(streamId, events, expected);
          };
        const v = Reflect.get(target, prop) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const store = new InstrumentedEventStore(contended, metrics);
    const runtime = createCommandRuntime(store, new ManualClock(new Date()), 1, metrics.commandObserver);
    const decider: Decider<
      { type: 'Claim'; hash: string },
      null,
      { type: 'IdempotencyKeyClaimed'; data: { requestHash: string } }
    > = {
      initialState: null,
      decide: (c) => [{ type: 'IdempotencyKeyClaimed', data: { requestHash: c.hash.repeat(64).slice(0, 64) } }],
      evolve: (s) => s,
    };
    // attempt 1 conflicts, attempt 2 (the one retry) conflicts: 409
    await expect(executeCommand(runtime, 'key-x', decider, { type: 'Claim', hash: 'x' }, ctx)).rejects.toMatchObject({
      kind: 'conflict',
    });
    // next command: no collisions left
    await executeCommand(runtime, 'key-y', decider, { type: 'Claim', hash: 'y' }, ctx);

    const scrape = parsePrometheusText(await metrics.render());
    expect(scrape.value('booking_command_conflicts_total')).toBe(2);
    expect(scrape.value('booking_command_retries_total')).toBe(1);
    expect(scrape.value('booking_commands_rejected_total', { command: 'Claim', reason: 'conflict' })).toBe(1);
    expect(scrape.value('booking_commands_accepted_total', { command: 'Claim' })).toBe(1);
    expect(
      scrape.value('booking_event_store_call_duration_seconds_count', { operation: 'append', outcome: 'conflict' }),
    ).toBe(2);
  });
});

async function createOffering(h: Harness): Promise<void> {
  const created = await h.http
    .post('/api/offerings')
    .set(h.auth('provider-lumen-yoga'))
    .send({
      kind: 'service',
      title: 'Watched Yin',
      category: 'yoga',
      price: { amount: 2000, currency: 'EUR' },
      seatsPerSlot: 1,
      schedule: alwaysOpenSchedule(),
      publish: true,
    });
  expect(created.status).toBe(201);
}

describe('GET /api/admin/system', () => {
  let h: Harness;
  afterEach(async () => h.stop());

  it('admins see each projection position/lag and each reactor backlog/parked count; nobody else does', async () => {
    h = await startHarness({ clock: new ManualClock(new Date()) });
    await createOffering(h);
    await settle(h);
    expect((await h.http.get('/api/admin/system')).status).toBe(401);
    expect((await h.http.get('/api/admin/system').set(h.auth('customer-alice'))).status).toBe(403);
    expect((await h.http.get('/api/admin/system').set(h.auth('provider-lumen-yoga'))).status).toBe(403);

    // a dead letter as a runner records it
    await h.platform.documentStore
      .collection('reactor_dead_letters')
      .upsertAt(
        'receipts|e-1',
        { $set: { reactor: 'receipts', eventId: 'e-1', eventType: 'PaymentSucceeded', error: 'boom', attempts: 5 } },
        '00000000000000000001.00000000000000000001',
      );
    const res = await h.http.get('/api/admin/system').set(h.auth('admin-ada'));
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const head = (await h.platform.eventStore.headPosition()).commit.toString();
    expect(res.body.head).toBe(head);
    expect(res.body.projections.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['bookings', 'offerings', 'capacity']),
    );
    for (const p of res.body.projections) {
      expect(p).toEqual({ name: expect.any(String), position: head, lag: '0' });
    }
    expect(res.body.projectionRunner).toEqual({ running: true, lastError: null });
    const receipts = res.body.reactors.find((r: { name: string }) => r.name === 'receipts');
    expect(receipts).toEqual({ name: 'receipts', source: 'live', position: head, backlog: '0', parked: 1 });
    expect(res.body.reactors.find((r: { name: string }) => r.name === 'booking-confirmation')).toMatchObject({
      parked: 0,
    });
    expect(res.body.relay).toBeNull();
    const scrape = parsePrometheusText((await h.http.get('/metrics')).text);
    expect(scrape.value('booking_reactor_parked_events', { reactor: 'receipts' })).toBe(1);
  });

  it('a read-api process on its own reports from the checkpoints the other roles save', async () => {
    const dir = tempDir();
    const full = await startHarness({ clock: new ManualClock(new Date()), dataDir: dir });
    await createOffering(full);
    await settle(full);
    await full.platform.stop(); // (keeps the data folder)
    h = await startHarness({ dataDir: dir, env: { ROLES: 'read-api', DEMO_DATA: 'false' } });
    // a write nobody in this process projects or reacts to
    await h.platform.eventStore.append('key-z', [claimed('z')], 'no_stream');
    const head = (await h.platform.eventStore.headPosition()).commit;
    const res = await h.http.get('/api/admin/system').set(h.auth('admin-ada'));
    expect(res.status).toBe(200);
    expect(res.body.head).toBe(head.toString());
    expect(res.body.projectionRunner).toBeNull();
    for (const p of res.body.projections)
      expect(p, p.name).toEqual({ name: p.name, position: (head - 1n).toString(), lag: '1' });
    for (const r of res.body.reactors)
      expect(r, r.name).toEqual({
        name: r.name,
        source: 'checkpoint',
        position: (head - 1n).toString(),
        backlog: '1',
        parked: 0,
      });
  });
});
