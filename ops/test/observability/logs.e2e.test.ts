/**
 * Log lines are JSON an ELK stack can ship as they are: each carries the process's
 * roles, and the correlation id, causation id and user id of the request or event it
 * was written for; secrets, tokens and personal data are redacted whatever object is
 * logged, and request URLs lose the values of sensitive query parameters.
 */
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, loggableUrl, ManualClock, withLogContext } from '@booking/shared-kernel';
import { alwaysOpenSchedule, eventually, startHarness, type Harness } from '../../test-support/harness.js';

type Line = Record<string, unknown>;

function capture(role: string, level = 'info') {
  const lines: Line[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const text of chunk.toString('utf8').split('\n')) if (text.trim()) lines.push(JSON.parse(text) as Line);
      done();
    },
  });
  return { lines, logger: createLogger({ level, role, destination }) };
}

describe('structured logs', () => {
  let h: Harness | null = null;
  afterEach(async () => {
    await h?.stop();
    h = null;
  });

  it('redact secrets and personal data at any of the first three levels, keep ids', () => {
    const { lines, logger } = capture('command');
    withLogContext({ correlationId: 'corr-1', causationId: 'cause-1', userId: 'customer-alice' }, () =>
      logger.info(
        {
          password: 'hunter2-hunter2',
          email: 'alice@example.com',
          user: { id: 'customer-alice', email: 'alice@example.com', phone: '+33612345678' },
          payment: { card: { cardNumber: '4242 4242 4242 4242' }, refreshToken: 'rt_123' },
          headers: { authorization: 'Bearer abc.def.ghi', cookie: 'sid=1', 'set-cookie': 'sid=2' },
          stripe: { secretKey: 'sk_test_123', webhookSecret: 'whsec_123' },
          mail: { to: 'alice@example.com', subject: 'Booking confirmed' },
          bookingId: 'b-1',
        },
        'something happened',
      ),
    );
    expect(lines).toHaveLength(1);
    const line = lines[0]!;
    const text = JSON.stringify(line);
    for (const secret of [
      'hunter2',
      'alice@example.com',
      '+3361',
      '4242',
      'rt_123',
      'abc.def',
      'sid=',
      'sk_test',
      'whsec',
    ])
      expect(text, secret).not.toContain(secret);
    expect(line).toMatchObject({
      role: 'command',
      correlationId: 'corr-1',
      causationId: 'cause-1',
      userId: 'customer-alice',
      bookingId: 'b-1',
      user: { id: 'customer-alice', email: '[redacted]' },
      mail: { subject: 'Booking confirmed', to: '[redacted]' },
      msg: 'something happened',
    });
  });

  it('request URLs keep the path and drop values of tokens, emails and free-text search', () => {
    expect(loggableUrl('/api/offerings?q=alice%40example.com&page=2')).toBe('/api/offerings?q=%5Bredacted%5D&page=2');
    expect(loggableUrl('/api/auth/verify?token=abc&email=a%40b.c')).toBe(
      '/api/auth/verify?token=%5Bredacted%5D&email=%5Bredacted%5D',
    );
    expect(loggableUrl('/api/bookings/b-1')).toBe('/api/bookings/b-1');
  });

  it('request lines carry the role, correlation, causation and user ids', async () => {
    const { lines, logger } = capture('command+read-api+projector+reactor', 'info');
    h = await startHarness({ clock: new ManualClock(new Date()), logger });
    const created = await h.http
      .post('/api/offerings')
      .set(h.auth('provider-lumen-yoga'))
      .set('x-correlation-id', 'corr-logs-1')
      .send({
        kind: 'service',
        title: 'Logged Yin',
        category: 'yoga',
        price: { amount: 2000, currency: 'EUR' },
        seatsPerSlot: 1,
        schedule: alwaysOpenSchedule(),
        publish: true,
      });
    expect(created.status).toBe(201);
    const refused = await h.http
      .post('/api/bookings')
      .set(h.auth('customer-bob'))
      .set('x-correlation-id', 'corr-logs-2')
      .send({ offeringId: created.body.offeringId, quantity: -1 });
    expect(refused.status).toBe(400);

    const request = await eventually(async () =>
      lines.find((l) => l.correlationId === 'corr-logs-1' && (l.req as Line | undefined)?.url === '/api/offerings'),
    );
    expect(request).toMatchObject({
      role: 'command+read-api+projector+reactor',
      correlationId: 'corr-logs-1',
      userId: 'provider-lumen-yoga',
      userRole: 'provider',
      res: { statusCode: 201 },
    });
    expect(typeof request.causationId).toBe('string');
    expect(request.causationId).not.toBe('corr-logs-1');
    const warn = lines.find(
      (l) => l.correlationId === 'corr-logs-2' && (l.res as Line | undefined)?.statusCode === 400,
    );
    expect(warn).toMatchObject({ level: 40, userId: 'customer-bob', role: 'command+read-api+projector+reactor' });
    // no bearer token reached any line
    expect(JSON.stringify(lines)).not.toMatch(/Bearer|eyJ[A-Za-z0-9_-]{10,}/);
  });
});
