import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('REDIS_URL and REDIS_KEY_PREFIX', () => {
  it('default to in-process rate limits and the booking: prefix', () => {
    const config = loadConfig({ NODE_ENV: 'test' });
    expect(config.redisUrl).toBeNull();
    expect(config.redisKeyPrefix).toBe('booking:');
  });

  it('accept redis:// and rediss:// URLs and a key prefix', () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      REDIS_URL: 'rediss://:secret@cache.internal:6380/2',
      REDIS_KEY_PREFIX: 'staging:',
    });
    expect(config.redisUrl).toBe('rediss://:secret@cache.internal:6380/2');
    expect(config.redisKeyPrefix).toBe('staging:');
  });

  it.each([
    ['REDIS_URL', 'http://cache:6379', /REDIS_URL: must use redis: or rediss:/],
    ['REDIS_URL', 'not a url', /REDIS_URL: must be a URL/],
    ['REDIS_KEY_PREFIX', 'a b', /REDIS_KEY_PREFIX: may hold only/],
  ])('refuses %s=%s naming the variable', (name, value, message) => {
    expect(() => loadConfig({ NODE_ENV: 'test', [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: 'test', [name]: value })).toThrow(message);
  });
});
