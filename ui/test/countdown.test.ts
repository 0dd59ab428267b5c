// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defineComponent, h, nextTick, ref } from 'vue';
import { mount } from '@vue/test-utils';
import { describeRemaining, formatRemaining, remainingMs, useCountdown } from '../src/lib/countdown';

describe('countdown arithmetic', () => {
  it('measures what is left until the hold expires, never below zero', () => {
    const now = Date.parse('2030-03-10T10:00:00Z');
    expect(remainingMs('2030-03-10T10:15:00Z', now)).toBe(15 * 60_000);
    expect(remainingMs('2030-03-10T09:59:00Z', now)).toBe(0);
    expect(remainingMs(null, now)).toBe(0);
    expect(remainingMs('not a date', now)).toBe(0);
  });

  it('formats as m:ss (h:mm:ss past an hour), rounding up', () => {
    expect(formatRemaining(15 * 60_000)).toBe('15:00');
    expect(formatRemaining(14 * 60_000 + 59_001)).toBe('15:00');
    expect(formatRemaining(65_000)).toBe('1:05');
    expect(formatRemaining(999)).toBe('0:01');
    expect(formatRemaining(0)).toBe('0:00');
    expect(formatRemaining(-5)).toBe('0:00');
    expect(formatRemaining(3_723_000)).toBe('1:02:03');
  });

  it('describes the time for screen readers', () => {
    expect(describeRemaining(61_000)).toBe('1 minute 1 second');
    expect(describeRemaining(120_000)).toBe('2 minutes');
    expect(describeRemaining(0)).toBe('0 seconds');
  });
});

describe('useCountdown in a component', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2030-03-10T10:00:00Z'));
  });
  afterEach(() => vi.useRealTimers());

  function harness(expiresAt: ReturnType<typeof ref<string | null>>, onExpire = vi.fn()) {
    const Comp = defineComponent({
      setup() {
        const c = useCountdown(expiresAt, { onExpire });
        return () =>
          h('div', { 'data-expired': String(c.expired.value), 'data-urgent': String(c.urgent.value) }, c.text.value);
      },
    });
    return { wrapper: mount(Comp), onExpire };
  }

  it('ticks every second and fires onExpire once at zero', async () => {
    const expiresAt = ref<string | null>('2030-03-10T10:01:02Z');
    const { wrapper, onExpire } = harness(expiresAt);
    expect(wrapper.text()).toBe('1:02');
    await vi.advanceTimersByTimeAsync(2000);
    expect(wrapper.text()).toBe('1:00');
    expect(wrapper.attributes('data-urgent')).toBe('false');
    await vi.advanceTimersByTimeAsync(1000);
    expect(wrapper.text()).toBe('0:59');
    expect(wrapper.attributes('data-urgent')).toBe('true');
    await vi.advanceTimersByTimeAsync(59_000);
    expect(wrapper.text()).toBe('0:00');
    expect(wrapper.attributes('data-expired')).toBe('true');
    expect(onExpire).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(5000);
    expect(onExpire).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('restarts when the expiry changes, and stops with the component', async () => {
    const expiresAt = ref<string | null>(null);
    const { wrapper, onExpire } = harness(expiresAt);
    expect(wrapper.attributes('data-expired')).toBe('false');
    expect(vi.getTimerCount()).toBe(0);
    expiresAt.value = '2030-03-10T10:00:10Z';
    await nextTick();
    expect(wrapper.text()).toBe('0:10');
    expect(vi.getTimerCount()).toBe(1);
    wrapper.unmount();
    expect(vi.getTimerCount()).toBe(0);
    expect(onExpire).not.toHaveBeenCalled();
  });

  it('is expired at once for a hold that already lapsed', () => {
    const { wrapper, onExpire } = harness(ref('2030-03-10T09:00:00Z'));
    expect(wrapper.attributes('data-expired')).toBe('true');
    expect(onExpire).toHaveBeenCalledTimes(1);
  });
});
