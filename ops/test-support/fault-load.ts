/**
 * A booking + payment load that survives its server being killed, and the checks that
 * follow a fault run: what was acknowledged is stored, no payment is lost, the read models
 * equal a clean rebuild, and every reactor effect happened exactly once.
 *
 * The load retries through outages with the same `Idempotency-Key`, so a retried request
 * either replays the recorded answer or runs once; a key whose first attempt died between
 * claim and answer may stay "in progress" (409) and its outcome is then unknown to the
 * client; it is counted, not retried forever.
 */
import http from 'node:http';
import {
  createLogger,
  mintToken,
  type DocumentStore,
  type EventStore,
  type RecordedEvent,
  type UserRole,
} from '@booking/shared-kernel';
import { EmbeddedDocumentStore } from '@booking/shared-kernel/adapters';
import { allProjectors, collectionsOf, ProjectionRunner, VersionedDocumentStore } from '@booking/projections';
import { httpCall, type HttpAnswer, type HttpCall } from './http-client.js';

export interface TokenKeys {
  secret: string;
  issuer: string;
}

export function tokenFor(keys: TokenKeys, id: string, role: UserRole): string {
  return mintToken(keys, { id, role, name: id });
}

/** A deterministic PRNG (mulberry32), so a fault run can be repeated from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface LoadOutcome {
  /** bookings answered 201 */
  accepted: Map<string, { customer: string; index: number }>;
  /** paymentId -> bookingId of payments the client saw SUCCEEDED */
  paid: Map<string, string>;
  /** payments started (201) */
  started: Map<string, string>;
  requests: number;
  /** connection refused/reset, timeouts: the server was down */
  connectionErrors: number;
  /** 5xx answers (502/503 are retried; any 5xx is reported) */
  serverErrors: string[];
  /** answers that are neither success nor a retryable outage */
  failures: string[];
  /** keys left "in progress" by a killed request: the client cannot learn their outcome */
  unknownOutcomes: string[];
  /** bookings sent (at least `bookings`; more with `continueWhile`) */
  bookingsTried: number;
}

export interface LoadOptions {
  baseUrl: () => string;
  keys: TokenKeys;
  offeringId: string;
  bookings: number;
  /** keep booking past `bookings` (up to `maxBookings`) while this says so, e.g. until
   *  every planned fault has happened: a faster platform must not outrun the faults */
  continueWhile?: () => boolean;
  maxBookings?: number;
  concurrency: number;
  /** customers the bookings rotate through */
  customers: readonly string[];
  /** a booking in `unpaidEvery` is left unpaid (0: all paid) */
  unpaidEvery?: number;
  /** how long one request may keep retrying through outages */
  retryForMs?: number;
  /** unique per run: keys of two runs on one store must not meet */
  keyPrefix: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs the load; resolves when every booking was tried (through any number of outages). */
export async function runBookingLoad(o: LoadOptions): Promise<LoadOutcome> {
  const out: LoadOutcome = {
    accepted: new Map(),
    paid: new Map(),
    started: new Map(),
    requests: 0,
    connectionErrors: 0,
    serverErrors: [],
    failures: [],
    unknownOutcomes: [],
    bookingsTried: 0,
  };
  const retryForMs = o.retryForMs ?? 60_000;

  /** Sends until an answer that is not an outage comes back. */
  async function send(path: string, call: HttpCall, agent: http.Agent): Promise<HttpAnswer | null> {
    const deadline = Date.now() + retryForMs;
    let stuckSince: number | null = null;
    for (;;) {
      out.requests++;
      let answer: HttpAnswer | null = null;
      try {
        answer = await httpCall(o.baseUrl(), path, { timeoutMs: 10_000, ...call }, agent);
      } catch {
        out.connectionErrors++;
      }
      if (answer) {
        if (answer.status >= 500) out.serverErrors.push(`${call.method ?? 'POST'} ${path}: ${answer.status}`);
        const inProgress = answer.status === 409 && answer.body?.code === 'conflict';
        if (inProgress) stuckSince ??= Date.now();
        // a claim of a request that died with its process stays; give it a few seconds
        if (inProgress && Date.now() - stuckSince! > 3000) {
          out.unknownOutcomes.push(`${path} (${call.headers?.['idempotency-key']})`);
          return null;
        }
        if (answer.status !== 502 && answer.status !== 503 && !inProgress) return answer;
      }
      if (Date.now() > deadline) {
        out.failures.push(`${path}: gave up after ${retryForMs} ms of outage`);
        return null;
      }
      await sleep(50);
    }
  }

  let next = 0;
  const worker = async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (;;) {
        const i = next++;
        if (i >= o.bookings && !(i < (o.maxBookings ?? o.bookings) && o.continueWhile?.())) return;
        out.bookingsTried++;
        const customer = o.customers[i % o.customers.length]!;
        const auth = { authorization: `Bearer ${tokenFor(o.keys, customer, 'customer')}` };
        const booked = await send(
          '/api/bookings',
          {
            method: 'POST',
            headers: { ...auth, 'idempotency-key': `${o.keyPrefix}-book-${i}` },
            body: { offeringId: o.offeringId, quantity: 1 },
          },
          agent,
        );
        if (!booked) continue;
        if (booked.status !== 201) {
          out.failures.push(`book ${i}: ${booked.status} ${booked.text}`);
          continue;
        }
        const bookingId = booked.body!.bookingId as string;
        out.accepted.set(bookingId, { customer, index: i });
        if (o.unpaidEvery && i % o.unpaidEvery === 0) continue;
        // starting a payment twice returns the same payment
        const started = await send(`/api/bookings/${bookingId}/payment`, { method: 'POST', headers: auth }, agent);
        if (!started) continue;
        if (started.status !== 201 && started.status !== 200) {
          out.failures.push(`start payment ${i}: ${started.status} ${started.text}`);
          continue;
        }
        const paymentId = started.body!.paymentId as string;
        out.started.set(paymentId, bookingId);
        const paid = await send(
          `/api/payments/${paymentId}/sandbox-confirm`,
          {
            method: 'POST',
            headers: { ...auth, 'idempotency-key': `${o.keyPrefix}-pay-${i}` },
            body: { cardNumber: '4242 4242 4242 4242' },
          },
          agent,
        );
        if (!paid) continue;
        if (paid.body?.status === 'SUCCEEDED') out.paid.set(paymentId, bookingId);
        else out.failures.push(`pay ${i}: ${paid.status} ${paid.text}`);
      }
    } finally {
      agent.destroy();
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  return out;
}

type Data = Record<string, unknown>;

/** What must hold after any number of crashes; each entry of `problems` is one violation. */
export interface FaultVerdict {
  problems: string[];
  counts: {
    events: number;
    bookingsPlaced: number;
    acceptedBookings: number;
    /** placed by a request whose answer the client never got (a crash or a stuck key) */
    placedUnacknowledged: number;
    paymentsSucceeded: number;
    acknowledgedPayments: number;
    receipts: number;
    notifications: number;
    conversions: number;
  };
}

/** Checks the log and the read models against what the client was told. */
export async function verifyAfterFaults(
  events: RecordedEvent[],
  docs: DocumentStore,
  load: LoadOutcome,
): Promise<FaultVerdict> {
  const problems: string[] = [];
  const data = (e: RecordedEvent) => e.data as Data;
  const ofType = (type: string) => events.filter((e) => e.type === type);
  const countBy = (type: string, key: (e: RecordedEvent) => string | undefined) => {
    const per = new Map<string, number>();
    for (const e of ofType(type)) {
      const k = key(e);
      if (k !== undefined) per.set(k, (per.get(k) ?? 0) + 1);
    }
    return per;
  };
  const placed = countBy('BookingPlaced', (e) => data(e).bookingId as string);
  const succeeded = countBy('PaymentSucceeded', (e) => data(e).paymentId as string);
  const paymentBooking = new Map(
    ofType('PaymentSucceeded').map((e) => [data(e).paymentId as string, data(e).bookingId as string]),
  );
  const bookings = docs.collection<{ _id: string; status: string }>('bookings');
  const payments = docs.collection<{ _id: string; status: string }>('payments');

  // 1. every acknowledged booking is in the log and the read model
  for (const id of load.accepted.keys()) {
    if (placed.get(id) !== 1) problems.push(`accepted booking ${id}: BookingPlaced x${placed.get(id) ?? 0}`);
    if (!(await bookings.get(id))) problems.push(`accepted booking ${id}: not in the bookings read model`);
  }
  // 2. no payment lost: every payment the client saw succeed succeeded once, and its booking is confirmed
  for (const [paymentId, bookingId] of load.paid) {
    if (succeeded.get(paymentId) !== 1)
      problems.push(`paid payment ${paymentId}: PaymentSucceeded x${succeeded.get(paymentId) ?? 0}`);
    const p = await payments.get(paymentId);
    if (p?.status !== 'SUCCEEDED')
      problems.push(`paid payment ${paymentId}: read model says ${p?.status ?? 'missing'}`);
    const b = await bookings.get(bookingId);
    if (b?.status !== 'CONFIRMED')
      problems.push(`paid booking ${bookingId}: read model says ${b?.status ?? 'missing'}`);
  }
  for (const paymentId of load.started.keys()) {
    if (!events.some((e) => e.type === 'PaymentStarted' && data(e).paymentId === paymentId))
      problems.push(`started payment ${paymentId}: no PaymentStarted`);
  }
  // no hold without its booking, whenever the kill came: the two are appended atomically
  // (appendToStreams, which the SQLite and PostgreSQL stores these runs use both have)
  for (const e of ofType('CapacityReserved')) {
    const bookingId = data(e).bookingId as string;
    if (!placed.has(bookingId)) problems.push(`hold of booking ${bookingId} in ${e.streamId}: no BookingPlaced`);
  }
  // 3. effects, each exactly once per cause, for every payment that succeeded (acknowledged or not)
  const once = (what: string, per: Map<string, number>, expected: Iterable<string>) => {
    for (const k of expected) if (per.get(k) !== 1) problems.push(`${what} ${k}: x${per.get(k) ?? 0}`);
    for (const [k, n] of per) if (n > 1) problems.push(`${what} ${k}: x${n}`);
  };
  const paidBookings = [...paymentBooking.values()];
  once(
    'ReceiptIssued for payment',
    countBy('ReceiptIssued', (e) => data(e).paymentId as string),
    succeeded.keys(),
  );
  once(
    'BookingConfirmed for booking',
    countBy('BookingConfirmed', (e) => data(e).bookingId as string),
    paidBookings,
  );
  once(
    'CapacityConfirmed for booking',
    countBy('CapacityConfirmed', (e) => data(e).bookingId as string),
    paidBookings,
  );
  const notifications = countBy(
    'NotificationSent',
    (e) =>
      `${(data(e).bookingId as string | undefined) ?? '-'}|${data(e).template as string}|${data(e).channel as string}`,
  );
  once(
    'NotificationSent',
    notifications,
    paidBookings.map((b) => `${b}|booking-confirmation|email`),
  );
  once(
    'ConversionForwarded for event id',
    countBy('ConversionForwarded', (e) => data(e).eventId as string),
    [],
  );
  // and in general: one effect event per (reactor, type, stream, cause, channel, template,
  // attempt). A NotificationIntended numbers its attempt: a kill between the hand-off and
  // NotificationSent leaves intent 1 without an outcome, and the redelivery appends intent 2
  // and resends the identical message (docs/effects.md); NotificationSent stays once.
  const effects = new Map<string, number>();
  for (const e of events) {
    if (!e.metadata.actor.id.startsWith('reactor:')) continue;
    const d = data(e);
    const k = `${e.metadata.actor.id}|${e.type}|${e.streamId}|${e.metadata.causationId}|${String(d.channel ?? '')}|${String(d.template ?? '')}|${String(d.attempt ?? '')}`;
    effects.set(k, (effects.get(k) ?? 0) + 1);
  }
  for (const [k, n] of effects) if (n > 1) problems.push(`effect ${k}: x${n}`);

  return {
    problems,
    counts: {
      events: events.length,
      bookingsPlaced: placed.size,
      acceptedBookings: load.accepted.size,
      placedUnacknowledged: [...placed.keys()].filter((id) => !load.accepted.has(id)).length,
      paymentsSucceeded: succeeded.size,
      acknowledgedPayments: load.paid.size,
      receipts: ofType('ReceiptIssued').length,
      notifications: ofType('NotificationSent').length,
      conversions: ofType('ConversionForwarded').length,
    },
  };
}

/** Every read-model collection the projectors write, sorted by id. */
export async function readModelSnapshot(docs: DocumentStore): Promise<Record<string, unknown[]>> {
  const names = [...new Set(allProjectors.flatMap((p) => collectionsOf(p)))].sort();
  const out: Record<string, unknown[]> = {};
  for (const name of names) out[name] = await docs.collection(name).find({}, { sort: { _id: 1 } });
  return out;
}

/** The read models of a clean rebuild of `store`'s log, in memory. */
export async function cleanRebuild(store: EventStore): Promise<Record<string, unknown[]>> {
  const docs = await VersionedDocumentStore.open(new EmbeddedDocumentStore({ path: ':memory:' }));
  const runner = new ProjectionRunner(store, docs, allProjectors, createLogger({ level: 'silent' }));
  await runner.start();
  const head = (await store.headPosition()).commit;
  const deadline = Date.now() + 120_000;
  while (runner.appliedPosition().commit < head) {
    if (Date.now() > deadline) throw new Error('clean rebuild did not reach the head in 120 s');
    await sleep(20);
  }
  await runner.stop();
  try {
    return await readModelSnapshot(docs);
  } finally {
    await docs.close();
  }
}
