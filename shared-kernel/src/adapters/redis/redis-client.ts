/**
 * One ioredis connection per process (REDIS_URL). Commands fail after a short bounded
 * retry instead of hanging while Redis is down; connection errors are logged, never
 * dropped, and ioredis keeps reconnecting in the background.
 */
import type { Redis } from 'ioredis';
import { lazyModule } from '../lazy-module.js';

const ioredis = lazyModule<typeof import('ioredis')>('ioredis');
import type { Logger } from '../../logging.js';

export interface RedisClientOptions {
  url: string;
  logger: Logger;
  /** shown in Redis's CLIENT LIST */
  connectionName?: string;
}

export function openRedis(options: RedisClientOptions): Redis {
  const client = new (ioredis().Redis)(options.url, {
    connectionName: options.connectionName ?? 'booking-platform',
    // a rate-limited request waits at most ~2 reconnect attempts, not ioredis's default 20
    maxRetriesPerRequest: 2,
    connectTimeout: 5_000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
  let down = false;
  client.on('error', (err: Error) => {
    // ioredis repeats the error on every reconnect attempt: log the first of each outage at error
    options.logger[down ? 'debug' : 'error']({ err }, 'redis connection error (REDIS_URL)');
    down = true;
  });
  client.on('ready', () => {
    if (down) options.logger.info('redis connection restored');
    down = false;
  });
  return client;
}
