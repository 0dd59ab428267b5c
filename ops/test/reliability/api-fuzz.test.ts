/**
 * Bad input, property-based: every operation of the OpenAPI document (GET
 * /api/openapi.json) is called with generated path parameters, query strings, bodies,
 * content types and headers, as a customer, a provider, an admin, an analyst, anonymously
 * and with a forged token. Whatever comes in:
 * - the answer is never a 5xx;
 * - a refusal (4xx) is problem+json with a `type`, a `title` and its status, and a
 *   validation refusal names the field(s) at fault;
 * - a refusal, and any GET, changes nothing: no event is appended (except the
 *   Idempotency-Key bookkeeping of `idempotency-*` streams, which records a refusal so the
 *   same request gets the same answer).
 * Bodies mostly follow the documented schema (so they reach the handlers) with wrong
 * types, out-of-range values, odd strings and extra properties mixed in. Fixed seed;
 * FUZZ_RUNS sets the inputs per operation (default 40), FUZZ_SEED the seed.
 */
import http from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, mintToken, PROBLEM_BASE, type GlobalPosition } from '@booking/shared-kernel';
import { alwaysOpenSchedule, settle, startHarness, type Harness } from '../../test-support/harness.js';
import { httpCall, type HttpAnswer } from '../../test-support/http-client.js';
import { arbitraryFor, nastyString, type Schema, type SchemaContext } from '../../test-support/schema-arbitrary.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 40);
const SEED = Number(process.env.FUZZ_SEED ?? 42);
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

interface Operation {
  method: (typeof METHODS)[number];
  path: string;
  pathParams: string[];
  query: { name: string; schema: Schema }[];
  body: Schema | null;
}

interface Input {
  params: Record<string, string>;
  query: [string, string][];
  body: { kind: 'none' } | { kind: 'json'; value: unknown } | { kind: 'raw'; text: string };
  contentType: string | null;
  auth: string;
  headers: Record<string, string>;
}

/** Header values must be visible ASCII; other characters are dropped rather than sent. */
const headerSafe = (s: string) => s.replace(/[^\x20-\x7e]/g, '').slice(0, 300);

describe('fuzzing every command and query endpoint', () => {
  let h: Harness;
  let base: string;
  let ctx: SchemaContext;
  let operations: Operation[] = [];
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

  beforeAll(async () => {
    h = await startHarness({
      clock: new ManualClock(new Date()),
      env: {
        RATE_LIMIT_PER_MINUTE: '0',
        AUTH_RATE_LIMIT_PER_MINUTE: '0',
        AUTH_ACCOUNT_RATE_LIMIT_PER_MINUTE: '0',
        READ_YOUR_WRITES_TIMEOUT_MS: '200',
      },
    });
    const { port } = await h.platform.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${port}`;

    // Some state, so generated ids sometimes name things that exist.
    const service = await h.http
      .post('/api/offerings')
      .set(h.auth('provider-lumen-yoga'))
      .send({
        kind: 'service',
        title: 'Fuzz yoga',
        category: 'yoga',
        price: { amount: 1000, currency: 'EUR' },
        seatsPerSlot: 3,
        schedule: alwaysOpenSchedule(),
        publish: true,
      });
    const product = await h.http
      .post('/api/offerings')
      .set(h.auth('provider-kiln-ceramics'))
      .send({
        kind: 'product',
        title: 'Fuzz mug',
        category: 'ceramics',
        price: { amount: 900, currency: 'EUR' },
        stock: 50,
        publish: true,
      });
    const booked = await h.http
      .post('/api/bookings')
      .set(h.auth('customer-alice'))
      .send({ offeringId: product.body.offeringId, quantity: 1 });
    const pending = await h.http
      .post('/api/bookings')
      .set(h.auth('customer-bob'))
      .send({ offeringId: product.body.offeringId, quantity: 2 });
    const started = await h.http.post(`/api/bookings/${booked.body.bookingId}/payment`).set(h.auth('customer-alice'));
    await h.http
      .post(`/api/payments/${started.body.paymentId}/sandbox-confirm`)
      .set(h.auth('customer-alice'))
      .send({ cardNumber: '4242 4242 4242 4242' });
    await settle(h);
    const receipts = await h.http.get(`/api/bookings/${booked.body.bookingId}/receipts`).set(h.auth('customer-alice'));
    const ids = [
      service.body.offeringId,
      product.body.offeringId,
      booked.body.bookingId,
      pending.body.bookingId,
      started.body.paymentId,
      ...((receipts.body.items ?? []) as { id?: string; receiptId?: string }[]).map((r) => r.receiptId ?? r.id),
      service.headers['x-correlation-id'],
    ].filter((x): x is string => typeof x === 'string');
    expect(ids.length).toBeGreaterThanOrEqual(6);

    const doc = (await httpCall(base, '/api/openapi.json')).body as {
      paths: Record<string, Record<string, { parameters?: Schema[]; requestBody?: Schema }>>;
      components: { schemas: Record<string, Schema>; parameters?: Record<string, Schema> };
    };
    ctx = { components: doc.components.schemas, knownIds: ids };
    const parameter = (p: Schema) =>
      typeof p.$ref === 'string' ? (doc.components.parameters?.[p.$ref.split('/').pop()!] ?? {}) : p;
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const method of METHODS) {
        const op = item[method];
        if (!op) continue;
        const params = (op.parameters ?? []).map(parameter);
        const content = (op.requestBody?.content ?? {}) as Record<string, { schema?: Schema }>;
        operations.push({
          method,
          path,
          pathParams: params.filter((p) => p.in === 'path').map((p) => p.name as string),
          query: params
            .filter((p) => p.in === 'query')
            .map((p) => ({ name: p.name as string, schema: (p.schema ?? {}) as Schema })),
          body: content['application/json']?.schema ?? null,
        });
      }
    }
    operations = operations.filter((o) => o.path !== '/api/openapi.json');
  });
  afterAll(async () => {
    agent.destroy();
    await h?.stop();
  });

  function inputFor(op: Operation): fc.Arbitrary<Input> {
    const token = (id: string, role: 'customer' | 'provider' | 'admin' | 'analyst') =>
      `Bearer ${mintToken({ secret: h.config.jwtSecret, issuer: h.config.jwtIssuer }, { id, role, name: id })}`;
    const auths = [
      token('customer-alice', 'customer'),
      token('customer-bob', 'customer'),
      token('provider-lumen-yoga', 'provider'),
      token('provider-kiln-ceramics', 'provider'),
      token('admin-ada', 'admin'),
      token('analyst-ann', 'analyst'),
      '',
      'Bearer not.a.token',
      `Bearer ${mintToken({ secret: 'another-secret-entirely-0123456789', issuer: h.config.jwtIssuer }, { id: 'admin-ada', role: 'admin' })}`,
      'Basic YWRtaW46YWRtaW4=',
    ];
    const pathValue = fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...ctx.knownIds) },
      { weight: 1, arbitrary: fc.uuid() },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          'bookings',
          'payments',
          'offerings',
          'inventories',
          'slots',
          'google',
          'apple',
          'customer',
          'provider',
          'admin',
          'analyst',
          'customer-alice',
          'admin-ada',
        ),
      },
      { weight: 2, arbitrary: nastyString.filter((s) => s.length > 0) },
    );
    const params = fc.record(Object.fromEntries(op.pathParams.map((p) => [p, pathValue])));
    const query = fc
      .tuple(fc.subarray(op.query), fc.array(fc.tuple(nastyString, nastyString), { maxLength: 2 }), fc.boolean())
      .chain(([chosen, extra, repeat]) =>
        fc.tuple(...chosen.map((q) => arbitraryFor(q.schema, ctx, 1, 0.2))).map((values) => {
          const pairs: [string, string][] = chosen.map((q, i) => [
            q.name,
            typeof values[i] === 'string' ? (values[i] as string) : JSON.stringify(values[i] ?? null),
          ]);
          // a repeated key arrives as an array
          if (repeat && pairs.length > 0) pairs.push([pairs[0]![0], pairs[0]![1]]);
          return [...pairs, ...extra];
        }),
      );
    const body: fc.Arbitrary<Input['body']> = op.body
      ? fc.oneof(
          { weight: 6, arbitrary: arbitraryFor(op.body, ctx).map((value) => ({ kind: 'json' as const, value })) },
          { weight: 1, arbitrary: fc.jsonValue().map((value) => ({ kind: 'json' as const, value })) },
          {
            weight: 1,
            arbitrary: fc
              .constantFrom('{', '{"a":', 'null', '[]', '"text"', '{"__proto__":{"admin":true}}', '\u0000', '')
              .map((text) => ({ kind: 'raw' as const, text })),
          },
        )
      : fc.oneof(
          { weight: 4, arbitrary: fc.constant({ kind: 'none' as const }) },
          { weight: 1, arbitrary: fc.jsonValue().map((value) => ({ kind: 'json' as const, value })) },
        );
    const contentType = fc.oneof(
      { weight: 8, arbitrary: fc.constant('application/json') },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          null,
          'text/plain',
          'application/x-www-form-urlencoded',
          'application/json; charset=latin1',
          'application/merge-patch+json',
          'multipart/form-data; boundary=x',
        ),
      },
    );
    const headers = fc.record(
      {
        'idempotency-key': fc.oneof(fc.uuid(), nastyString.map(headerSafe)),
        'if-match': fc.oneof(
          fc.constantFrom('W/"0"', 'W/"1"', '"1"', '*', 'W/"-1"', 'W/"99999999999999999999"'),
          nastyString.map(headerSafe),
        ),
        'x-min-position': fc.oneof(
          fc.constantFrom('0', '1', '99999999', '-1', '1e9', '18446744073709551616'),
          nastyString.map(headerSafe),
        ),
        accept: fc.constantFrom('application/json', 'text/csv', '*/*', 'application/pdf'),
      },
      { requiredKeys: [] },
    );
    return fc.record({ params, query, body, contentType, auth: fc.constantFrom(...auths), headers });
  }

  async function call(op: Operation, input: Input): Promise<HttpAnswer> {
    let path = op.path;
    for (const [name, value] of Object.entries(input.params))
      // (lone surrogates become U+FFFD, as a browser would send them)
      path = path.replace(`{${name}}`, encodeURIComponent(Buffer.from(value, 'utf8').toString('utf8')));
    const search = new URLSearchParams(input.query).toString();
    const headers: Record<string, string> = { ...input.headers };
    if (input.auth) headers.authorization = input.auth;
    let body: string | undefined;
    if (input.body.kind === 'json') body = JSON.stringify(input.body.value) ?? 'null';
    if (input.body.kind === 'raw') body = input.body.text;
    if (body !== undefined && input.contentType) headers['content-type'] = input.contentType;
    if (body !== undefined && !input.contentType) headers['content-type'] = '';
    return httpCall(
      base,
      `${path}${search ? `?${search}` : ''}`,
      { method: op.method.toUpperCase(), headers, ...(body !== undefined ? { body } : {}), timeoutMs: 20_000 },
      agent,
    );
  }

  async function appendedSince(before: GlobalPosition): Promise<string[]> {
    const events = await h.platform.eventStore.readAll({ after: before });
    return events.filter((e) => !e.streamId.startsWith('idempotency-')).map((e) => `${e.streamId}:${e.type}`);
  }

  /** Throws with what is wrong with the answer (fast-check reports and shrinks the input). */
  async function check(op: Operation, input: Input): Promise<number> {
    const before = await h.platform.eventStore.headPosition();
    const res = await call(op, input);
    const what = `${op.method.toUpperCase()} ${op.path} -> ${res.status} ${res.text.slice(0, 300)}`;
    if (res.status >= 500 && !(op.path === '/ready' && res.status === 503)) throw new Error(`server error: ${what}`);
    if (res.status >= 400) {
      if (!/^application\/problem\+json/.test(res.headers['content-type'] ?? ''))
        throw new Error(`not problem+json: ${what}`);
      const p = res.body ?? {};
      if (typeof p.type !== 'string' || !p.type.startsWith(PROBLEM_BASE) || typeof p.title !== 'string')
        throw new Error(`problem without type/title: ${what}`);
      if (p.status !== res.status) throw new Error(`problem status differs: ${what}`);
      if (p.code === 'validation') {
        const errors = p.errors as { field?: unknown }[] | undefined;
        // (a property named "" is refused as field "")
        if (!Array.isArray(errors) || errors.length === 0 || errors.some((e) => typeof e.field !== 'string'))
          throw new Error(`validation problem without the field: ${what}`);
      }
    }
    if (res.status >= 400 || op.method === 'get') {
      const appended = await appendedSince(before);
      if (appended.length > 0) throw new Error(`state changed by ${what}: ${appended.slice(0, 5).join(', ')}`);
    } else {
      // an accepted command may start effects; let them finish before the next baseline
      await settle(h);
    }
    return res.status;
  }

  it(`answers ${RUNS} generated requests per operation with 2xx or a problem, never a 5xx, and refusals change nothing`, async () => {
    expect(operations.length).toBeGreaterThan(60);
    const failures: string[] = [];
    const statuses = new Map<string, number>();
    let inputs = 0;
    for (const [i, op] of operations.entries()) {
      const result = await fc.check(
        fc.asyncProperty(inputFor(op), async (input) => {
          inputs++;
          const status = await check(op, input);
          const group = `${Math.floor(status / 100)}xx`;
          statuses.set(group, (statuses.get(group) ?? 0) + 1);
        }),
        { seed: SEED + i, numRuns: RUNS, endOnFailure: process.env.FUZZ_SHRINK !== '1' },
      );
      if (result.failed) {
        failures.push(
          `${op.method.toUpperCase()} ${op.path}: ${result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance)}\n  input: ${JSON.stringify(result.counterexample?.[0])}`,
        );
        console.log(failures[failures.length - 1]);
      }
    }
    console.log(
      JSON.stringify({
        fuzz: {
          operations: operations.length,
          seed: SEED,
          runsPerOperation: RUNS,
          inputs,
          statuses: Object.fromEntries(statuses),
          failures: failures.length,
        },
      }),
    );
    expect(failures).toEqual([]);
  }, 300_000);
});
