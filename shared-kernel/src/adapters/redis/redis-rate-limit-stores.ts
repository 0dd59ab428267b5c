/**
 * Rate-limit counters in Redis (rate-limit-redis: one key per limiter and client, set
 * with the window as its expiry and incremented atomically by a Lua script), so every
 * instance that shares the Redis server shares the limit.
 */
import type { Redis } from 'ioredis';
import type { RedisReply } from 'rate-limit-redis';
import { lazyModule } from '../lazy-module.js';

const rateLimitRedis = lazyModule<typeof import('rate-limit-redis')>('rate-limit-redis');
import type { RateLimitStores } from '../../ports/rate-limit-stores.js';

export function redisRateLimitStores(client: Redis, keyPrefix = 'booking:'): RateLimitStores {
  return {
    // one store object per limiter (express-rate-limit keeps per-store state); the keys
    // need no limiter name of their own: the limiter puts its name in front of each key
    forLimiter: () =>
      new (rateLimitRedis().RedisStore)({
        sendCommand: (command: string, ...args: string[]) => client.call(command, ...args) as Promise<RedisReply>,
        prefix: `${keyPrefix}rl:`,
      }),
  };
}
