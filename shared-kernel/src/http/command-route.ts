/**
 * One way to write a command endpoint: the handler returns the response it wants, and
 * this wrapper takes care of `Idempotency-Key` (same key and body -> the first response;
 * same key, other body -> 422) and of writing the response.
 */
import { createHash } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { AppError, IdempotencyKeyReuseError, ConflictError, ValidationError } from '../errors.js';
import { problemFor } from './problem.js';
import { executeCommand, type CommandContext, type CommandRuntime, type Decider } from '../decider.js';
import type { IdempotencyEvent } from '../events/idempotency.js';
import { DomainRuleError } from '../errors.js';
import { optionalActorOf } from './auth.js';

export interface CommandResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

type Handler = (req: Request, res: Response) => Promise<CommandResponse>;

interface KeyState {
  status: 'free' | 'claimed' | 'completed';
  requestHash: string;
  /** epoch ms of the current claim (0: unknown, an old claim) */
  claimedAt: number;
  response: CommandResponse | null;
}

/**
 * How long a claim without an answer holds the key. A process that dies between the
 * claim and the answer would otherwise leave the key claimed for ever, and every retry
 * would get 409. After the lease the next retry takes the key over and runs the request
 * again: a command that was appended before the crash then runs twice (for placing a
 * booking, a second PENDING booking whose hold lapses; commands that check state, such as
 * starting a payment, answer the same). Far longer than any request takes.
 */
export const IDEMPOTENCY_CLAIM_LEASE_MS = 60_000;

const keyDecider: Decider<
  | { type: 'claim'; requestHash: string; now: number }
  | { type: 'release'; requestHash: string }
  | { type: 'record'; requestHash: string; response: CommandResponse },
  KeyState,
  IdempotencyEvent
> = {
  initialState: { status: 'free', requestHash: '', claimedAt: 0, response: null },
  decide(command, state) {
    if (command.type === 'claim') {
      if (state.status === 'completed' || state.status === 'claimed') {
        if (state.requestHash !== command.requestHash) throw new IdempotencyKeyReuseError();
        if (state.status === 'completed') return [];
        if (command.now - state.claimedAt < IDEMPOTENCY_CLAIM_LEASE_MS) {
          throw new ConflictError('a request with this Idempotency-Key is still being processed');
        }
        // the claim outlived its lease without an answer: its process died; take it over
      }
      return [
        {
          type: 'IdempotencyKeyClaimed',
          data: { requestHash: command.requestHash, claimedAt: new Date(command.now).toISOString() },
        },
      ];
    }
    if (command.type === 'release') {
      return [{ type: 'IdempotencyKeyReleased', data: { requestHash: command.requestHash } }];
    }
    const r = command.response;
    return [
      {
        type: 'IdempotentResponseRecorded',
        data: {
          requestHash: command.requestHash,
          status: r.status,
          headers: r.headers ?? {},
          body: JSON.stringify(r.body ?? null),
        },
      },
    ];
  },
  evolve(state, event) {
    switch (event.type) {
      case 'IdempotencyKeyClaimed':
        return {
          status: 'claimed',
          requestHash: event.data.requestHash,
          claimedAt: event.data.claimedAt ? Date.parse(event.data.claimedAt) : 0,
          response: null,
        };
      case 'IdempotentResponseRecorded':
        return {
          status: 'completed',
          requestHash: event.data.requestHash,
          claimedAt: state.claimedAt,
          response: {
            status: event.data.status,
            headers: event.data.headers,
            body: JSON.parse(event.data.body) as unknown,
          },
        };
      case 'IdempotencyKeyReleased':
        return { status: 'free', requestHash: '', claimedAt: 0, response: null };
    }
  },
};

const KEY = /^[A-Za-z0-9._:-]{1,200}$/;

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function send(res: Response, response: CommandResponse, replayed: boolean): void {
  for (const [name, value] of Object.entries(response.headers ?? {})) res.setHeader(name, value);
  if (replayed) res.setHeader('idempotent-replayed', 'true');
  if (response.status >= 400) {
    res.status(response.status).type('application/problem+json').send(JSON.stringify(response.body));
  } else {
    res.status(response.status).json(response.body);
  }
}

export function commandContext(req: Request, res: Response): Omit<CommandContext, 'actor'> {
  return { correlationId: res.locals.correlationId as string, causationId: res.locals.requestId as string };
}

export function commandRoute(runtime: CommandRuntime, handler: Handler): RequestHandler {
  return async (req, res, next) => {
    try {
      const key = req.header('idempotency-key');
      const actor = optionalActorOf(req);
      // Every command needs a caller: an anonymous request is answered (401) by the handler
      // without touching the event store, key or no key.
      if (key === undefined || !actor) {
        send(res, await handler(req, res), false);
        return;
      }
      if (!KEY.test(key))
        throw new ValidationError('Idempotency-Key must be 1-200 letters, digits or ._:-', 'Idempotency-Key');
      const owner = `${actor.role}:${actor.id}`;
      const streamId = `idempotency-${sha256(`${owner}\n${key}`)}`;
      const requestHash = sha256(`${req.method}\n${req.originalUrl}\n${JSON.stringify(req.body ?? null)}`);
      const ctx: CommandContext = { ...commandContext(req, res), actor };
      const claimed = await executeCommand(
        runtime,
        streamId,
        keyDecider,
        { type: 'claim', requestHash, now: runtime.clock.now().getTime() },
        ctx,
      );
      if (claimed.events.length === 0 && claimed.state.response) {
        send(res, claimed.state.response, true);
        return;
      }
      let response: CommandResponse;
      try {
        response = await handler(req, res);
      } catch (err) {
        // Refusals are answers too: the same request gets the same refusal. Anything else
        // frees the key so the client can retry.
        if (
          err instanceof AppError &&
          (err instanceof DomainRuleError ||
            err.kind === 'validation' ||
            err.kind === 'forbidden' ||
            err.kind === 'not-found')
        ) {
          response = { status: problemFor(err).status, body: { ...problemFor(err), instance: req.originalUrl } };
        } else {
          await executeCommand(runtime, streamId, keyDecider, { type: 'release', requestHash }, ctx);
          throw err;
        }
      }
      await executeCommand(runtime, streamId, keyDecider, { type: 'record', requestHash, response }, ctx);
      send(res, response, false);
    } catch (err) {
      next(err);
    }
  };
}
