import { Router } from 'express';
import {
  actorOf,
  commandContext,
  commandRoute,
  executeCommand,
  ifMatchRevision,
  loadState,
  newId,
  parseInput,
  NotFoundError,
  ValidationError,
  streams,
  type CommandContext,
} from '@booking/shared-kernel';
import type { Request, Response } from 'express';
import { offeringDecider, assertOwner, type OfferingCommand } from './offering.js';
import { capacityDecider } from '../booking/capacity.js';
import {
  ChangeOfferingDetailsBody,
  ChangePriceBody,
  ChangeScheduleBody,
  ChangeSeatsBody,
  CreateOfferingBody,
  SetStockBody,
} from './offering-requests.js';
import { accepted } from '../http/responses.js';
import type { CommandDeps } from '../http/deps.js';

export function offeringRoutes(deps: CommandDeps): Router {
  const { runtime } = deps;
  const router = Router();

  const ctxOf = (req: Request, res: Response): CommandContext => ({
    ...commandContext(req, res),
    actor: actorOf(req, 'provider', 'admin'),
  });

  router.post(
    '/offerings',
    commandRoute(runtime, async (req, res) => {
      const ctx = ctxOf(req, res);
      const body = parseInput(CreateOfferingBody, req.body);
      const providerId = ctx.actor.role === 'admin' ? body.providerId : ctx.actor.id;
      if (!providerId) throw new ValidationError('an admin must name the providerId', 'providerId');
      if (ctx.actor.role === 'provider' && body.providerId && body.providerId !== ctx.actor.id) {
        throw new ValidationError('providers create offerings for themselves only', 'providerId');
      }
      if (body.kind === 'product' && body.stock === undefined)
        throw new ValidationError('a product needs stock', 'stock');
      if (body.kind === 'service' && body.stock !== undefined)
        throw new ValidationError('a service has seats, not stock', 'stock');
      const offeringId = newId();
      const streamId = streams.offering(offeringId);
      const create: OfferingCommand = {
        type: 'CreateOffering',
        actor: ctx.actor,
        offeringId,
        providerId,
        kind: body.kind,
        title: body.title,
        description: body.description ?? '',
        category: body.category,
        price: { amount: body.price.amount, currency: body.price.currency },
        ...(body.seatsPerSlot !== undefined ? { seatsPerSlot: body.seatsPerSlot } : {}),
        ...(body.schedule ? { schedule: body.schedule } : {}),
        ...(body.location ? { location: body.location } : {}),
      };
      let result = await executeCommand(runtime, streamId, offeringDecider, create, ctx);
      if (body.kind === 'product') {
        await executeCommand(
          runtime,
          streams.inventory(offeringId),
          capacityDecider,
          { type: 'SetStock', offeringId, stock: body.stock ?? 0 },
          ctx,
        );
      }
      if (body.publish) {
        result = await executeCommand(
          runtime,
          streamId,
          offeringDecider,
          { type: 'PublishOffering', actor: ctx.actor },
          ctx,
        );
      }
      return accepted(
        201,
        { offeringId, status: result.state.status },
        result.revision,
        result.position,
        `/api/offerings/${offeringId}`,
      );
    }),
  );

  /** One route shape for every simple change of an offering. */
  function change<B extends object>(
    method: 'post' | 'put' | 'patch',
    path: string,
    body: (new () => B) | null,
    toCommand: (body: B | null, ctx: CommandContext) => OfferingCommand,
  ): void {
    router[method](
      `/offerings/:offeringId${path}`,
      commandRoute(runtime, async (req, res) => {
        const ctx = ctxOf(req, res);
        const parsed = body ? parseInput(body, req.body) : null;
        const offeringId = String(req.params.offeringId);
        const streamId = streams.offering(offeringId);
        const { state } = await loadState(runtime, streamId, offeringDecider);
        if (!state.exists) throw new NotFoundError('offering');
        assertOwner(ctx.actor, state);
        const ifMatch = ifMatchRevision(req);
        const result = await executeCommand(
          runtime,
          streamId,
          offeringDecider,
          toCommand(parsed, ctx),
          ctx,
          ifMatch === undefined ? {} : { ifMatch },
        );
        return accepted(200, { offeringId, status: result.state.status }, result.revision, result.position);
      }),
    );
  }

  change('patch', '', ChangeOfferingDetailsBody, (b, ctx) => ({
    type: 'ChangeOfferingDetails',
    actor: ctx.actor,
    ...b,
  }));
  change('put', '/price', ChangePriceBody, (b, ctx) => ({
    type: 'ChangePrice',
    actor: ctx.actor,
    price: { ...b!.price },
  }));
  change('put', '/schedule', ChangeScheduleBody, (b, ctx) => ({
    type: 'ChangeSchedule',
    actor: ctx.actor,
    schedule: b!.schedule,
  }));
  change('put', '/seats', ChangeSeatsBody, (b, ctx) => ({
    type: 'ChangeSeats',
    actor: ctx.actor,
    seatsPerSlot: b!.seatsPerSlot,
  }));
  change('post', '/publish', null, (_b, ctx) => ({ type: 'PublishOffering', actor: ctx.actor }));
  change('post', '/retire', null, (_b, ctx) => ({ type: 'RetireOffering', actor: ctx.actor }));

  router.put(
    '/offerings/:offeringId/stock',
    commandRoute(runtime, async (req, res) => {
      const ctx = ctxOf(req, res);
      const body = parseInput(SetStockBody, req.body);
      const offeringId = String(req.params.offeringId);
      const { state } = await loadState(runtime, streams.offering(offeringId), offeringDecider);
      if (!state.exists) throw new NotFoundError('offering');
      assertOwner(ctx.actor, state);
      if (state.kind !== 'product') throw new ValidationError('only products have stock', 'stock');
      const result = await executeCommand(
        runtime,
        streams.inventory(offeringId),
        capacityDecider,
        { type: 'SetStock', offeringId, stock: body.stock },
        ctx,
      );
      return accepted(200, { offeringId, stock: body.stock }, result.revision, result.position);
    }),
  );

  return router;
}
