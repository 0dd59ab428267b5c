/** The hold countdown: how long a booking's seats stay held before the hold lapses. */
import { computed, getCurrentScope, onScopeDispose, ref, toValue, watch, type MaybeRefOrGetter } from 'vue';

export function remainingMs(expiresAt: string | null | undefined, now: number): number {
  if (!expiresAt) return 0;
  const end = Date.parse(expiresAt);
  if (Number.isNaN(end)) return 0;
  return Math.max(0, end - now);
}

/** 14:59, 0:05, 1:02:03; rounds up so "0:00" only shows once the hold has lapsed. */
export function formatRemaining(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** "14 minutes 59 seconds", for screen readers. */
export function describeRemaining(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const m = Math.floor(total / 60);
  const s = total % 60;
  const parts = [];
  if (m > 0) parts.push(`${m} minute${m === 1 ? '' : 's'}`);
  if (s > 0 || m === 0) parts.push(`${s} second${s === 1 ? '' : 's'}`);
  return parts.join(' ');
}

export interface CountdownOptions {
  now?: () => number;
  intervalMs?: number;
  /** called once when the countdown reaches zero */
  onExpire?: () => void;
}

/** A ticking countdown to `expiresAt`; stops with the component (or effect scope) using it. */
export function useCountdown(expiresAt: MaybeRefOrGetter<string | null | undefined>, options: CountdownOptions = {}) {
  const now = options.now ?? (() => Date.now());
  const tick = ref(now());
  let timer: ReturnType<typeof setInterval> | null = null;
  let fired = false;

  const remaining = computed(() => remainingMs(toValue(expiresAt), tick.value));
  const expired = computed(() => !!toValue(expiresAt) && remaining.value <= 0);
  const text = computed(() => formatRemaining(remaining.value));
  /** under a minute left */
  const urgent = computed(() => remaining.value > 0 && remaining.value < 60_000);

  function stop(): void {
    if (timer !== null) clearInterval(timer);
    timer = null;
  }

  function update(): void {
    tick.value = now();
    if (expired.value) {
      stop();
      if (!fired) {
        fired = true;
        options.onExpire?.();
      }
    }
  }

  function start(): void {
    stop();
    fired = false;
    update();
    if (!expired.value && toValue(expiresAt)) timer = setInterval(update, options.intervalMs ?? 1000);
  }

  watch(() => toValue(expiresAt), start, { immediate: true });
  if (getCurrentScope()) onScopeDispose(stop);

  return { remaining, expired, text, urgent, stop };
}
