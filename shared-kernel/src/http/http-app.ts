import express, { type Express } from 'express';
import { pinoHttp } from 'pino-http';
import { correlation } from './correlation.js';
import { authenticate, type TokenSettings } from './auth.js';
import { notFoundHandler, problemHandler } from './problem.js';
import type { Logger } from '../logging.js';

export interface HttpAppOptions {
  logger: Logger;
  tokens: TokenSettings;
  maxBodyBytes: number;
  /** mounts the role's routes */
  mount(app: Express): void;
  /** mounted after the API, before the 404 handler (e.g. the built UI) */
  mountLast?(app: Express): void;
}

/** The one HTTP shell every role uses: correlation ids, request logs, JSON bodies with a
 *  size limit, bearer authentication, and problem+json errors. */
export function createHttpApp(options: HttpAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.use(correlation);
  app.use(
    pinoHttp({
      logger: options.logger,
      genReqId: (_req, res) => res.getHeader('x-correlation-id') as string,
      autoLogging: { ignore: (req) => req.url === '/health' },
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    }),
  );
  app.use(express.json({ limit: options.maxBodyBytes, strict: true }));
  app.use(authenticate(options.tokens));
  options.mount(app);
  options.mountLast?.(app);
  app.use(notFoundHandler);
  app.use(problemHandler(options.logger));
  return app;
}
