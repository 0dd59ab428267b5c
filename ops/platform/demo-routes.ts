import { Router } from 'express';
import { IsString, Length } from 'class-validator';
import {
  mintToken,
  newId,
  NotFoundError,
  parseInput,
  type CommandRuntime,
  type Config,
  type TokenSettings,
} from '@booking/shared-kernel';
import { loadUser, startSession } from '@booking/command';
import { DEMO_USERS, demoUser } from './demo-users.js';

export class DemoLoginBody {
  @IsString() @Length(1, 100) userId!: string;
}

/** Demo sign-in: only mounted when demo data is on and never in production. A demo user
 *  with a real account gets a real session (so logout, suspension and roles apply). */
export function demoRoutes(deps: {
  runtime: CommandRuntime;
  tokens: TokenSettings;
  identity: Config['identity'];
  now(): Date;
}): Router {
  const router = Router();
  router.get('/demo/users', (_req, res) => {
    res.json({ items: DEMO_USERS, password: deps.identity.demoPassword });
  });
  router.post('/demo/login', async (req, res) => {
    const body = parseInput(DemoLoginBody, req.body);
    const user = demoUser(body.userId);
    if (!user) throw new NotFoundError('demo user');
    const { state } = await loadUser(deps.runtime, user.id);
    if (state.exists) {
      const session = await startSession(
        { ...deps, identity: { ...deps.identity, accessTokenTtlSeconds: 8 * 3600 } },
        {
          correlationId: String(res.locals.correlationId ?? newId()),
          causationId: String(res.locals.requestId ?? newId()),
        },
        user.id,
        true,
        'demo',
      );
      if (session) {
        res.json({
          token: session.accessToken,
          ...session,
          user: { ...user, role: session.user.role, roles: session.user.roles },
        });
        return;
      }
    }
    res.json({ token: mintToken({ ...deps.tokens, expiresIn: 8 * 3600 }, user), user });
  });
  return router;
}
