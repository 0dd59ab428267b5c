/**
 * The platform's HTTP shell (createHttpApp: correlation ids, telemetry, security headers,
 * CORS, request logs, JSON bodies, bearer authentication, problem+json) around a route that
 * does what the bare express route does: the HTTP benchmark puts the two side by side, so
 * the gap between them is what the shared middleware costs per request.
 *
 * LOG_LEVEL as for the platform (request lines are written at info, to /dev/null here);
 * RATE_LIMIT_PER_MINUTE (default 0: off, as in the platform benchmark).
 */
import { pino } from 'pino';
import {
  actorOf,
  createHttpApp,
  createLogger,
  PlatformMetrics,
  DEFAULT_JWT_SECRET,
  type TokenSettings,
} from '@booking/shared-kernel';

const tokens: TokenSettings = {
  secret: process.env.JWT_SECRET ?? DEFAULT_JWT_SECRET,
  issuer: 'booking-platform',
  // the platform checks every token against the user's current state; here the check
  // always passes, so only its asynchronous hop is left
  resolveActor: (claims) => Promise.resolve({ id: claims.sub, role: claims.role, roles: claims.roles }),
};

const app = createHttpApp({
  logger: createLogger({
    level: process.env.LOG_LEVEL ?? 'warn',
    role: 'bench',
    destination: pino.destination({ dest: '/dev/null', sync: false }),
  }),
  tokens,
  metrics: new PlatformMetrics(),
  maxBodyBytes: 65536,
  // off by default, as in the platform benchmark (one user would soon be limited)
  security: { corsOrigins: [], rateLimitPerMinute: Number(process.env.RATE_LIMIT_PER_MINUTE ?? 0) },
  mount(app) {
    app.get('/health', (_req, res) => {
      res.json({ status: 'ok' });
    });
    app.post('/api/bookings', (req, res) => {
      actorOf(req, 'customer');
      res.status(201).json({ received: req.body as unknown, status: 'PENDING' });
    });
  },
});
app.listen(Number(process.env.PORT), '127.0.0.1');
// a normal exit, so that `--cpu-prof` writes its profile
process.once('SIGTERM', () => process.exit(0));
