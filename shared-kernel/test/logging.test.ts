/**
 * Log lines: secrets and personal data are replaced wherever they sit in what is logged
 * (child bindings, errors, arrays, any depth), other lines are written as pino made them,
 * and the log context nests.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, currentLogContext, redactLine, withLogContext } from '@booking/shared-kernel';

function capture() {
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      raw.push(
        ...chunk
          .toString('utf8')
          .split('\n')
          .filter((l) => l.trim()),
      );
      done();
    },
  });
  const lines = () => raw.map((l) => JSON.parse(l) as Record<string, unknown>);
  return { raw, lines, logger: createLogger({ level: 'info', role: 'test', destination }) };
}

describe('log redaction', () => {
  it('replaces sensitive keys at any depth, in arrays, child bindings and errors', () => {
    const { raw, lines, logger } = capture();
    const child = logger.child({ session: { token: 'tok-binding' } });
    const err = Object.assign(new Error('refused'), { response: { headers: { authorization: 'Bearer abc.def' } } });
    child.warn(
      {
        deep: { a: { b: { c: { email: 'deep@example.com' } } } },
        recipients: [{ to: 'x@example.com' }, { phone: '+33600000000' }],
        err,
      },
      'a password was wrong for the token holder',
    );
    const text = raw.join('\n');
    for (const secret of ['tok-binding', 'abc.def', 'deep@example.com', 'x@example.com', '+3360']) {
      expect(text, secret).not.toContain(secret);
    }
    const [line] = lines();
    expect(line).toMatchObject({
      session: { token: '[redacted]' },
      deep: { a: { b: { c: { email: '[redacted]' } } } },
      recipients: [{ to: '[redacted]' }, { phone: '[redacted]' }],
      err: { message: 'refused', response: { headers: { authorization: '[redacted]' } } },
      // the words in a message are not keys
      msg: 'a password was wrong for the token holder',
    });
  });

  it('writes a line without sensitive keys exactly as pino made it', () => {
    const line = '{"level":30,"time":1,"role":"test","bookingId":"b-1","msg":"token \\"email\\": here"}\n';
    expect(redactLine(line)).toBe(line);
    expect(redactLine('{"level":30,"email":"a@b.c","n":[1,{"to":"x"}]}\n')).toBe(
      '{"level":30,"email":"[redacted]","n":[1,{"to":"[redacted]"}]}\n',
    );
  });

  it('keeps a "__proto__" key a plain key, and withholds a line that is not JSON', () => {
    expect(JSON.parse(redactLine('{"__proto__":{"email":"a@b.c"},"x":1}\n'))).toEqual(
      JSON.parse('{"__proto__":{"email":"[redacted]"},"x":1}'),
    );
    const withheld = redactLine('not json "email": a@b.c\n');
    expect(withheld).not.toContain('a@b.c');
    expect(JSON.parse(withheld)).toMatchObject({ level: 50 });
  });
});

describe('log context', () => {
  it('nests: inner values win, an explicit undefined clears, the rest is inherited', () => {
    const { lines, logger } = capture();
    withLogContext({ correlationId: 'c-1', causationId: 'r-1' }, () => {
      Object.assign(currentLogContext(), { userId: 'u-1', userRole: 'customer' });
      withLogContext({ causationId: 'e-9' }, () => logger.info('inner'));
      withLogContext({ causationId: undefined }, () => logger.info('cleared'));
      logger.info('outer');
    });
    logger.info('outside');
    const [inner, cleared, outer, outside] = lines();
    expect(inner).toMatchObject({ correlationId: 'c-1', causationId: 'e-9', userId: 'u-1', userRole: 'customer' });
    expect(cleared).toMatchObject({ correlationId: 'c-1', userId: 'u-1' });
    expect(cleared).not.toHaveProperty('causationId');
    expect(outer).toMatchObject({ correlationId: 'c-1', causationId: 'r-1' });
    expect(outside).not.toHaveProperty('correlationId');
    expect(outside).not.toHaveProperty('traceId');
  });
});
