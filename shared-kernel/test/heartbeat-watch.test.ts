import { describe, expect, it } from 'vitest';
import { HeartbeatWatch } from '../src/adapters/document-store/heartbeat-watch.js';

const A = '127.0.0.1:27017';
const B = '127.0.0.1:27018';

describe('HeartbeatWatch: a monitor check pending longer than the driver allows has hung', () => {
  const watch = () => new HeartbeatWatch({ connectTimeoutMs: 10_000, heartbeatFrequencyMs: 10_000, marginMs: 2_000 });

  it('a polling check may take a connect plus a hello (2 x connectTimeoutMS) before it counts as hung', () => {
    const w = watch();
    w.started(A, false, 1_000);
    expect(w.hung(1_000 + 22_000)).toBeNull();
    expect(w.hung(1_000 + 22_001)).toEqual({ address: A, pendingMs: 22_001, limitMs: 22_000 });
  });

  it('an awaited (streaming) hello may also wait heartbeatFrequencyMS', () => {
    const w = watch();
    w.started(A, true, 0);
    expect(w.hung(22_000)).toBeNull();
    expect(w.hung(22_001)?.limitMs).toBe(22_000);
    w.started(A, true, 0);
    expect(w.hung(21_999)).toBeNull();
  });

  it('a check that ended (succeeded or failed) is not pending; the next one starts its own clock', () => {
    const w = watch();
    w.started(A, false, 0);
    w.ended(A);
    expect(w.hung(60_000)).toBeNull();
    w.started(A, false, 50_000);
    expect(w.hung(60_000)).toBeNull();
    expect(w.hung(72_001)?.pendingMs).toBe(22_001);
  });

  it('tells which server hung when there are several', () => {
    const w = watch();
    w.started(A, false, 0);
    w.started(B, false, 0);
    w.ended(A);
    expect(w.hung(30_000)?.address).toBe(B);
    w.reset();
    expect(w.hung(30_000)).toBeNull();
  });

  it('connectTimeoutMS=0 (no timeout) bounds nothing, so nothing is ever called hung', () => {
    const w = new HeartbeatWatch({ connectTimeoutMs: 0, heartbeatFrequencyMs: 10_000 });
    w.started(A, false, 0);
    expect(w.hung(10 * 60_000)).toBeNull();
  });
});
