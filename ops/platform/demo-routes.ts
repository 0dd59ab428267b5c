import { Router } from 'express';
import { IsString, Length } from 'class-validator';
import { mintToken, NotFoundError, parseInput, type TokenSettings } from '@booking/shared-kernel';
import { DEMO_USERS, demoUser } from './demo-users.js';

class DemoLoginBody {
  @IsString() @Length(1, 100) userId!: string;
}

/** Demo sign-in: only mounted when demo data is on and never in production. */
export function demoRoutes(tokens: TokenSettings): Router {
  const router = Router();
  router.get('/demo/users', (_req, res) => {
    res.json({ items: DEMO_USERS });
  });
  router.post('/demo/login', (req, res) => {
    const body = parseInput(DemoLoginBody, req.body);
    const user = demoUser(body.userId);
    if (!user) throw new NotFoundError('demo user');
    res.json({ token: mintToken({ ...tokens, expiresIn: 8 * 3600 }, user), user });
  });
  return router;
}
