// @vitest-environment happy-dom
/**
 * Tests that mount single-file components. They need @vitejs/plugin-vue in the vitest
 * config: `ui/vitest.config.ts` has it (and sets UI_SFC_TESTS=required, so a broken import
 * fails there); a config without it skips this file rather than failing on `.vue` syntax.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mount } from '@vue/test-utils';
import { nextTick } from 'vue';
import type { Component } from 'vue';
import { ApiError } from '../src/lib/api';
import { defaultWeek } from '../src/lib/schedule';

interface Sfcs {
  SlotPicker: Component;
  MoneyInput: Component;
  ProblemAlert: Component;
  FieldError: Component;
  HoldCountdown: Component;
  WeeklyHoursEditor: Component;
  StatusBadge: Component;
}

async function loadSfcs(): Promise<Sfcs | null> {
  try {
    const [SlotPicker, MoneyInput, ProblemAlert, FieldError, HoldCountdown, WeeklyHoursEditor, StatusBadge] =
      await Promise.all([
        import('../src/components/SlotPicker.vue'),
        import('../src/components/MoneyInput.vue'),
        import('../src/components/ProblemAlert.vue'),
        import('../src/components/FieldError.vue'),
        import('../src/components/HoldCountdown.vue'),
        import('../src/components/WeeklyHoursEditor.vue'),
        import('../src/components/StatusBadge.vue'),
      ]);
    return {
      SlotPicker: SlotPicker.default,
      MoneyInput: MoneyInput.default,
      ProblemAlert: ProblemAlert.default,
      FieldError: FieldError.default,
      HoldCountdown: HoldCountdown.default,
      WeeklyHoursEditor: WeeklyHoursEditor.default,
      StatusBadge: StatusBadge.default,
    };
  } catch (err) {
    if (process.env.UI_SFC_TESTS === 'required') throw err;
    return null;
  }
}

const sfc = await loadSfcs();
const d = describe.skipIf(!sfc);
const C = sfc as Sfcs;

d('SlotPicker', () => {
  const slots = [
    { start: '2030-10-27T06:00:00.000Z', end: '2030-10-27T07:00:00.000Z', seats: 12, seatsLeft: 12 },
    { start: '2030-10-27T17:00:00.000Z', end: '2030-10-27T18:00:00.000Z', seats: 12, seatsLeft: 0 },
    { start: '2030-10-28T06:00:00.000Z', end: '2030-10-28T07:00:00.000Z', seats: 12, seatsLeft: 2 },
  ];

  it('groups per day in the offering’s zone and labels both zones', () => {
    const w = mount(C.SlotPicker, {
      props: { slots, timeZone: 'Europe/Paris', viewerZone: 'America/Los_Angeles', modelValue: null },
    });
    const days = w.findAll('[data-day]');
    expect(days).toHaveLength(2);
    expect(w.find('.zone-legend').text()).toContain('Paris');
    expect(w.find('.zone-legend').text()).toContain('America/Los_Angeles');
    const first = w.find('[data-slot="2030-10-27T06:00:00.000Z"]');
    expect(first.find('.slot-time').text()).toMatch(/^0?7:00/);
    expect(first.find('.slot-sub').text()).toContain('Your time');
    expect(first.attributes('aria-label')).toMatch(/Paris time.*your time.*12 of 12 left/);
  });

  it('disables sold-out slots and emits the chosen start', async () => {
    const w = mount(C.SlotPicker, {
      props: { slots, timeZone: 'Europe/Paris', viewerZone: 'Europe/Paris', modelValue: null },
    });
    const soldOut = w.find('[data-slot="2030-10-27T17:00:00.000Z"]');
    expect(soldOut.attributes('disabled')).toBeDefined();
    expect(soldOut.text()).toContain('Sold out');
    expect(w.find('.slot-sub').exists()).toBe(false); // same zone: one time only
    await w.find('[data-slot="2030-10-28T06:00:00.000Z"]').trigger('click');
    expect(w.emitted('update:modelValue')).toEqual([['2030-10-28T06:00:00.000Z']]);
    expect(w.find('[data-slot="2030-10-28T06:00:00.000Z"] .slot-seats').classes()).toContain('low');
  });
});

d('form errors near their fields', () => {
  it('MoneyInput marks itself invalid and points at its message', () => {
    const w = mount(C.MoneyInput, {
      props: {
        id: 'price',
        label: 'Price',
        currency: 'EUR',
        modelValue: '12.345',
        error: 'At most 2 decimals for EUR',
      },
    });
    const input = w.find('input');
    expect(input.attributes('aria-invalid')).toBe('true');
    expect(input.attributes('aria-describedby')).toBe('price-error');
    expect(w.find('#price-error').text()).toBe('At most 2 decimals for EUR');
    expect(w.find('.addon').text()).toBe('EUR');
  });

  it('MoneyInput keeps the text as typed (parsed exactly on submit)', async () => {
    const w = mount(C.MoneyInput, { props: { id: 'p', label: 'Price', currency: 'JPY', modelValue: '' } });
    expect(w.find('input').attributes('placeholder')).toBe('0');
    await w.find('input').setValue('1,500');
    expect(w.emitted('update:modelValue')).toEqual([['1,500']]);
  });

  it('ProblemAlert shows a problem’s title and detail, and hides without one', () => {
    const err = new ApiError(409, {
      title: 'Request refused by a business rule',
      detail: 'cancellations need 1440 minutes notice',
      code: 'too-late',
    });
    const w = mount(C.ProblemAlert, { props: { error: err } });
    expect(w.find('[role="alert"]').text()).toContain('Request refused by a business rule');
    expect(w.text()).toContain('Cancellations need 1440 minutes notice');
    expect(
      mount(C.ProblemAlert, { props: { error: null } })
        .find('[role="alert"]')
        .exists(),
    ).toBe(false);
  });

  it('FieldError renders only with a message', () => {
    expect(
      mount(C.FieldError, { props: { id: 'x-error', message: 'Required' } })
        .find('#x-error')
        .text(),
    ).toBe('Required');
    expect(
      mount(C.FieldError, { props: { id: 'x-error', message: null } })
        .find('p')
        .exists(),
    ).toBe(false);
  });

  it('WeeklyHoursEditor shows a window’s error on that window', () => {
    const w = mount(C.WeeklyHoursEditor, {
      props: { modelValue: defaultWeek(), errors: { '3:0': 'The end must be after the start' }, idPrefix: 't' },
    });
    expect(w.find('#t-3-0-error').text()).toBe('The end must be after the start');
    expect(w.find('#t-3-0-start').attributes('aria-invalid')).toBe('true');
    expect(w.find('#t-1-0-start').attributes('aria-invalid')).toBeUndefined();
    expect(w.findAll('.week-day')).toHaveLength(7);
  });
});

d('HoldCountdown', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2030-03-10T10:00:00Z'));
  });
  afterEach(() => vi.useRealTimers());

  it('counts down, turns urgent, then expired, and tells the page', async () => {
    const w = mount(C.HoldCountdown, { props: { expiresAt: '2030-03-10T10:01:01Z' } });
    expect(w.find('.clock').text()).toBe('1:01');
    await vi.advanceTimersByTimeAsync(2000);
    expect(w.find('[data-countdown]').classes()).toContain('urgent');
    await vi.advanceTimersByTimeAsync(60_000);
    await nextTick();
    expect(w.find('[data-countdown]').classes()).toContain('expired');
    expect(w.text()).toContain('Hold expired');
    expect(w.emitted('expired')).toHaveLength(1);
  });
});

d('StatusBadge', () => {
  it('labels and colours booking and offering statuses', () => {
    const b = mount(C.StatusBadge, { props: { status: 'CONFIRMED' } });
    expect(b.text()).toBe('Confirmed');
    expect(b.classes()).toContain('tone-success');
    const o = mount(C.StatusBadge, { props: { status: 'draft', kind: 'offering' } });
    expect(o.text()).toBe('Draft');
    expect(o.classes()).toContain('tone-warning');
  });
});
