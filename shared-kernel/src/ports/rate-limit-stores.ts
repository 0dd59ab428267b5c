import type { Store } from 'express-rate-limit';

/**
 * Where rate-limit counters live. Without it every limiter counts in its own process's
 * memory; with a shared backend (Redis) every instance of a role counts against one limit.
 */
export interface RateLimitStores {
  /** a store for the limiter called `name`; express-rate-limit needs one store per limiter */
  forLimiter(name: string): Store;
}
