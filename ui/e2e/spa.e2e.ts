/**
 * The SPA's browser flows, driven with playwright-core in the system's headless Chromium.
 * `run.ts` starts the platform and calls `runFlows`; each flow gets a fresh browser
 * context (its own localStorage), and every page error fails the flow it happened in.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export interface FlowResult {
  name: string;
  ok: boolean;
  ms: number;
  error?: string;
}

export interface RunOptions {
  baseUrl: string;
  /** the platform's DATA_DIR: its outbox holds the mails (verification links) */
  dataDir: string;
  shotsDir: string;
  chromiumPath: string;
}

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** The viewer sits in Los Angeles: Paris/London/New York offerings show two zones. */
const VIEWER_ZONE = 'America/Los_Angeles';
const TIMEOUT = 15_000;

class AssertionError extends Error {}

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}

interface Ctx {
  browser: Browser;
  baseUrl: string;
  dataDir: string;
  shot: (page: Page, name: string, fullPage?: boolean) => Promise<void>;
  /** state shared between flows */
  shared: { confirmedBookingId?: string; declinedBookingId?: string; newProduct?: { id: string; title: string } };
}

async function newPage(
  ctx: Ctx,
  options: { landing?: string; mobile?: boolean; dark?: boolean; fakeClock?: boolean } = {},
): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await ctx.browser.newContext({
    viewport: options.mobile ? { width: 390, height: 844 } : { width: 1280, height: 860 },
    deviceScaleFactor: 1,
    timezoneId: VIEWER_ZONE,
    locale: 'en-US',
    colorScheme: options.dark ? 'dark' : 'light',
    reducedMotion: 'reduce',
  });
  context.setDefaultTimeout(TIMEOUT);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/Failed to load resource/.test(msg.text()))
      errors.push(`console error: ${msg.text()}`);
  });
  // a controllable clock (it runs normally until fast-forwarded) must be installed before the app loads
  if (options.fakeClock) await page.clock.install();
  await page.goto(`${ctx.baseUrl}${options.landing ?? '/'}`);
  return { context, page, errors };
}

export async function signIn(page: Page, userId: string): Promise<void> {
  if (await page.isVisible('[data-current-user]')) {
    await page.click('[data-current-user]');
    await page.click('[data-switch-user]');
  } else {
    await page.click('[data-sign-in]');
  }
  // the demo chooser is the dialog's third tab; the email form is the first
  await page.click('dialog[open] [data-tab="demo"]');
  await page.waitForSelector('dialog[open] [data-user-chooser]');
  await page.click(`dialog[open] [data-user-id="${userId}"]`);
  await page.waitForSelector('dialog[open]', { state: 'detached', timeout: TIMEOUT }).catch(() => undefined);
  await page.waitForFunction(() => !document.querySelector('dialog[open]'));
  await page.waitForSelector('[data-current-user]');
}

async function apiToken(baseUrl: string, userId: string): Promise<string> {
  const res = await fetch(`${baseUrl}/api/demo/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userId }),
  });
  return ((await res.json()) as { token: string }).token;
}

async function apiGet<T>(baseUrl: string, token: string, path: string): Promise<T> {
  const res = await fetch(`${baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
  assert(res.ok, `GET ${path} answered ${res.status}`);
  return (await res.json()) as T;
}

/* ---------------------------------------------------------------------------------- */

async function customerBooksAndPays(ctx: Ctx): Promise<void> {
  // Lands from an ad: the attribution must travel with the booking.
  const { context, page, errors } = await newPage(ctx, {
    landing: '/?utm_source=e2e-ads&utm_medium=cpc&utm_campaign=spring-flow&ttclid=E2E-CLICK-1',
  });
  try {
    await page.waitForSelector('[data-offering-card]');
    await ctx.shot(page, '01-catalog-guest');

    // Real sign-in: the demo accounts are accounts with a password.
    await page.click('[data-sign-in]');
    await page.waitForSelector('dialog[open] [data-login-form]');
    await page.fill('#dlg-login-email', 'alice@example.com');
    await page.fill('#dlg-login-password', 'not-her-password');
    await page.click('dialog[open] [data-login-submit]');
    await page.waitForSelector('dialog[open] [data-problem]');
    assert(
      /not correct/i.test((await page.textContent('dialog[open] [data-problem]')) ?? ''),
      'a wrong password should be refused in words',
    );
    await page.fill('#dlg-login-password', 'demo-password-1234');
    await ctx.shot(page, '02-sign-in');
    await page.click('dialog[open] [data-login-submit]');
    await page.waitForSelector('[data-current-user]:has-text("Alice Martin")');
    const stored = await page.evaluate(() => localStorage.getItem('booking.refresh') ?? '');
    assert(stored.includes('refreshToken') && !stored.includes('accessToken'), 'only the refresh token is stored');

    await page.fill('#q', 'vinyasa');
    await page.click('form[role="search"] button[type="submit"] >> nth=0');
    await page.waitForURL(/q=vinyasa/);
    await page.waitForFunction(() => document.querySelectorAll('[data-offering-card]').length === 1);
    assert(
      (await page.textContent('[data-result-count]'))?.includes('1 result'),
      'the search should find exactly one offering',
    );
    await ctx.shot(page, '03-catalog-search');

    await page.click('[data-offering-card]:has-text("Sunrise Vinyasa Flow")');
    await page.waitForSelector('[data-offering-title]:has-text("Sunrise Vinyasa Flow")');
    await page.waitForSelector('[data-slot]');
    const legend = await page.textContent('.zone-legend');
    assert(
      legend?.includes('Paris') && legend.includes(VIEWER_ZONE),
      `the slots should be labelled in both zones, got: ${legend}`,
    );
    assert(
      (await page.locator('.slot-sub:has-text("your time")').count()) > 0,
      "each slot should also read in the viewer's time",
    );
    await ctx.shot(page, '04-offering-service', true);

    const slot = page.locator('[data-slot]:not([disabled])').first();
    const slotStart = await slot.getAttribute('data-slot');
    await slot.click();
    await page.waitForSelector('[data-selected-slot]');
    await page.click('[data-book]');
    await page.waitForURL(/\/checkout\//);
    await page.waitForSelector('[data-countdown]');
    const bookingId = page.url().split('/checkout/')[1]!;
    await ctx.shot(page, '05-checkout');

    const clock = await page.textContent('[data-countdown] .clock');
    assert(/^\s*(29|30):\d\d\s*$/.test(clock ?? ''), `the hold countdown should start near 30:00, got ${clock}`);
    await page.waitForFunction(
      (before) => document.querySelector('[data-countdown] .clock')?.textContent?.trim() !== before?.trim(),
      clock,
      { timeout: 3000 },
    );
    const when = await page.textContent('[data-when]');
    assert(
      when?.includes('Paris time') && when.includes('your time'),
      `the checkout should show the slot in both zones, got: ${when}`,
    );

    await page.click('button:has-text("Use"):has(.sr-only:has-text("4242"))');
    assert(
      (await page.inputValue('#card-number')) === '4242 4242 4242 4242',
      'the test card button should fill the card number',
    );
    await page.click('[data-pay]');
    await page.waitForSelector('[data-confirmed]', { timeout: 20_000 });
    await ctx.shot(page, '06-checkout-confirmed');

    await page.click('[data-go-bookings]');
    await page.waitForURL(/\/me\/bookings/);
    const item = page.locator(`li[data-booking-id="${bookingId}"]`);
    await item.waitFor();
    await page.waitForSelector(`li[data-booking-id="${bookingId}"][data-status="CONFIRMED"]`);
    assert((await item.textContent())?.includes('Confirmed'), 'My bookings should show the booking as Confirmed');
    await item.locator('details:not([data-receipts-toggle]) summary').click();
    await item.locator('[data-timeline-status="CONFIRMED"]').waitFor();

    // The receipt: issued by the platform after the payment, downloaded as a PDF.
    await item.locator('[data-receipts-toggle] summary').click();
    const downloadButton = item.locator('[data-download-receipt]').first();
    await downloadButton.waitFor({ timeout: 20_000 });
    const [download] = await Promise.all([page.waitForEvent('download'), downloadButton.click()]);
    const file = await download.path();
    const head = fs.readFileSync(file).subarray(0, 5).toString('latin1');
    assert(head === '%PDF-', `the receipt should be a PDF, starts with ${JSON.stringify(head)}`);
    assert(
      download.suggestedFilename().endsWith('.pdf'),
      `the file should be named .pdf: ${download.suggestedFilename()}`,
    );
    await ctx.shot(page, '07-my-bookings', true);

    // A reload keeps the session (the stored refresh token becomes a new access token).
    await page.reload();
    await page.waitForSelector('[data-current-user]:has-text("Alice Martin")');
    await page.waitForSelector(`li[data-booking-id="${bookingId}"]`);

    // The booking carries the landing page's attribution and the chosen slot.
    const admin = await apiToken(ctx.baseUrl, 'admin-ada');
    const booking = await apiGet<{ attribution: Record<string, string>; slot: { start: string }; status: string }>(
      ctx.baseUrl,
      admin,
      `/api/bookings/${bookingId}`,
    );
    assert(
      booking.attribution.utmSource === 'e2e-ads' &&
        booking.attribution.utmCampaign === 'spring-flow' &&
        booking.attribution.ttclid === 'E2E-CLICK-1',
      `attribution not recorded: ${JSON.stringify(booking.attribution)}`,
    );
    assert(booking.slot.start === slotStart, 'the booked slot should be the one clicked');
    assert(booking.status === 'CONFIRMED', `the booking should be CONFIRMED, is ${booking.status}`);
    ctx.shared.confirmedBookingId = bookingId;
    assert(errors.length === 0, errors.join('\n'));
  } finally {
    await context.close();
  }
}

async function declinedCard(ctx: Ctx): Promise<void> {
  const { context, page, errors } = await newPage(ctx);
  try {
    await signIn(page, 'customer-bob');
    await page.click('[data-offering-card]:has-text("Heavy-duty U-Lock")');
    await page.waitForSelector('[data-offering-title]:has-text("U-Lock")');
    await page.fill('#quantity', '2');
    await page.waitForSelector('[data-total]:has-text("59.98")');
    await ctx.shot(page, '08-offering-product');
    await page.click('[data-book]');
    await page.waitForURL(/\/checkout\//);
    const bookingId = page.url().split('/checkout/')[1]!;

    // A number that is not a card at all is refused next to the field.
    await page.fill('#card-number', '1234');
    await page.click('[data-pay]');
    await page.waitForSelector('#card-number-error');
    assert(
      (await page.getAttribute('#card-number', 'aria-invalid')) === 'true',
      'the card field should be marked invalid',
    );

    await page.fill('#card-number', '4000 0000 0000 0002');
    await page.click('[data-pay]');
    await page.waitForSelector('[data-declined]');
    const text = await page.textContent('[data-declined]');
    assert(text?.toLowerCase().includes('declined'), `the decline message should say declined, got: ${text}`);
    assert(await page.isVisible('[data-pay]'), 'the pay form should stay for another card');
    await ctx.shot(page, '09-checkout-declined');

    const admin = await apiToken(ctx.baseUrl, 'admin-ada');
    const booking = await apiGet<{ status: string; payment: { status: string; failureCode?: string } | null }>(
      ctx.baseUrl,
      admin,
      `/api/bookings/${bookingId}`,
    );
    assert(
      booking.status === 'PENDING' &&
        booking.payment?.status === 'FAILED' &&
        booking.payment.failureCode === 'card_declined',
      `the booking should be PENDING with a declined payment: ${JSON.stringify(booking)}`,
    );
    ctx.shared.declinedBookingId = bookingId;

    // Bob also cancels the mugs he reserved earlier (the demo data's pending booking).
    await page.click('nav[aria-label="Main"] >> text=My bookings');
    const mugs = page.locator('li[data-booking-id]:has-text("Hand-thrown Stoneware Mug")');
    await mugs.waitFor();
    await mugs.locator('button:has-text("Cancel booking")').click();
    await mugs.locator('form button[type="submit"]').click();
    await mugs.locator('.field-error').waitFor();
    assert(
      (await mugs.locator('.field-error').textContent())?.includes('why'),
      'an empty reason should be refused next to the field',
    );
    await mugs.locator('textarea').fill('Found them cheaper at the market');
    await mugs.locator('form button[type="submit"]').click();
    await page.waitForSelector('li[data-status="CANCELLED"]:has-text("Hand-thrown Stoneware Mug")');
    await mugs.locator('details:not([data-receipts-toggle]) summary').click();
    await mugs.locator('[data-timeline-status="CANCELLED"]:has-text("Found them cheaper")').waitFor();
    await ctx.shot(page, '10-my-bookings-cancelled', true);
    assert(errors.length === 0, errors.join('\n'));
  } finally {
    await context.close();
  }
}

async function providerCreatesAndPublishes(ctx: Ctx): Promise<void> {
  const { context, page, errors } = await newPage(ctx);
  const title = `E2E Speckled Vase ${Date.now().toString(36)}`;
  try {
    await signIn(page, 'provider-kiln-ceramics');
    await page.goto(`${ctx.baseUrl}/provider/offerings`);
    await page.waitForSelector('[data-offering-id]');
    await ctx.shot(page, '11-provider-offerings');

    await page.click('[data-new-offering]');
    await page.waitForSelector('[data-offering-form]');
    // Nothing filled in: the errors appear next to their fields.
    await page.fill('#price', '12.345');
    await page.click('[data-create]');
    await page.waitForSelector('#title-error');
    assert(await page.isVisible('#price-error'), 'a price with three decimals should be refused next to the price');
    await ctx.shot(page, '12-new-offering-errors', true);

    // A service shows the weekly-hours editor.
    await page.check('input[name="kind"][value="service"]');
    await page.waitForSelector('.week');
    await ctx.shot(page, '13-new-offering-service-hours', true);
    await page.check('input[name="kind"][value="product"]');

    await page.fill('#title', title);
    await page.fill('#description', 'Speckled stoneware, about 20 cm tall.');
    await page.fill('#category', 'ceramics');
    await page.fill('#price', '24.50');
    await page.selectOption('#currency', 'GBP');
    await page.fill('#stock', '5');
    await page.click('[data-create]');
    await page.waitForURL(/\/provider\/offerings\?created=/);
    const row = page.locator(`li[data-offering-id]:has-text("${title}")`);
    await row.waitFor();
    assert((await row.getAttribute('data-offering-status')) === 'draft', 'the new offering should be a draft');
    assert((await row.textContent())?.includes('£24.50'), 'the price should read £24.50');

    await row.locator('[data-publish]').click();
    await page.waitForSelector(`li[data-offering-status="published"]:has-text("${title}")`);

    // Edit the price, typed the European way: 26,50 is exactly 2650 pence.
    await row.locator('button:has-text("Edit price")').click();
    await row.locator('input[inputmode="decimal"]').fill('26,50');
    await row.locator('button:has-text("Save price")').click();
    await page.waitForSelector(`li[data-offering-id]:has-text("${title}"):has-text("£26.50")`);
    await ctx.shot(page, '14-provider-published');

    // It is in the public catalog now.
    await page.goto(`${ctx.baseUrl}/?q=${encodeURIComponent('speckled vase')}`);
    await page.waitForSelector(`[data-offering-card]:has-text("${title}")`);
    const offerings = (await (await fetch(`${ctx.baseUrl}/api/offerings?q=${encodeURIComponent(title)}`)).json()) as {
      items: { id: string; price: { amount: number; currency: string } }[];
    };
    ctx.shared.newProduct = { id: offerings.items[0]?.id ?? '', title };
    assert(
      offerings.items[0]?.price.amount === 2650 && offerings.items[0].price.currency === 'GBP',
      `the price should be 2650 GBP minor units, got ${JSON.stringify(offerings.items[0]?.price)}`,
    );
    assert(errors.length === 0, errors.join('\n'));
  } finally {
    await context.close();
  }
}

async function providerBookings(ctx: Ctx): Promise<void> {
  const { context, page, errors } = await newPage(ctx);
  try {
    await signIn(page, 'provider-lumen-yoga');
    await page.goto(`${ctx.baseUrl}/provider/bookings`);
    await page.waitForSelector('tr[data-booking-id]');
    assert(
      (await page.locator('tr[data-booking-id]').count()) >= 2,
      'the studio should see the demo booking and the e2e one',
    );
    // Completing a class before it started is refused; the reason shows on that row.
    const row = page.locator('tr[data-booking-id]:has(button:has-text("Complete"))').first();
    await row.locator('button:has-text("Complete")').click();
    await row.locator('[role="alert"]').waitFor();
    const text = await row.locator('[role="alert"]').textContent();
    assert(/started/i.test(text ?? ''), `the refusal should say why, got: ${text}`);
    await ctx.shot(page, '17-provider-bookings');
    assert(errors.length === 0, errors.join('\n'));
  } finally {
    await context.close();
  }
}

async function soldOutAndExpired(ctx: Ctx): Promise<void> {
  const product = ctx.shared.newProduct;
  assert(product?.id, 'needs the product the provider flow created');
  const { context, page, errors } = await newPage(ctx, { fakeClock: true });
  try {
    await signIn(page, 'customer-alice');
    await page.goto(`${ctx.baseUrl}/offerings/${product.id}`);
    await page.waitForSelector('[data-offering-title]');
    assert((await page.textContent('#book-box'))?.includes('5 in stock'), 'the new product should have 5 in stock');

    // Someone else takes all five while Alice looks at the page.
    const bob = await apiToken(ctx.baseUrl, 'customer-bob');
    const res = await fetch(`${ctx.baseUrl}/api/bookings`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bob}`, 'content-type': 'application/json' },
      body: JSON.stringify({ offeringId: product.id, quantity: 5 }),
    });
    assert(res.status === 201, `Bob's booking should succeed, got ${res.status}`);
    await page.click('[data-book]');
    await page.waitForSelector('[data-sold-out]');
    assert(!page.url().includes('/checkout/'), 'a sold-out booking must not reach checkout');
    await page.waitForSelector('[data-book][disabled]');
    await ctx.shot(page, '15-sold-out');

    // A hold that runs out while paying: the page says so and offers to book again.
    await page.goto(`${ctx.baseUrl}/?q=mug`);
    await page.click('[data-offering-card]:has-text("Stoneware Mug")');
    await page.waitForSelector('[data-book]');
    await page.click('[data-book]');
    await page.waitForSelector('[data-countdown]');
    await page.clock.fastForward('30:05');
    await page.waitForSelector('[data-expired]');
    assert(!(await page.isVisible('[data-pay]')), 'an expired hold cannot be paid');
    await ctx.shot(page, '16-hold-expired');
    assert(errors.length === 0, errors.join('\n'));
  } finally {
    await context.close();
  }
}

async function adminMarksPendingPaid(ctx: Ctx): Promise<void> {
  const { context, page, errors } = await newPage(ctx);
  try {
    await signIn(page, 'admin-ada');
    await page.goto(`${ctx.baseUrl}/admin/bookings`);
    await page.waitForSelector('[data-admin-bookings] tbody tr');
    const rows = await page.locator('[data-admin-bookings] tbody tr').count();
    assert(rows >= 4, `the admin should see every booking (>= 4), saw ${rows}`);
    if (ctx.shared.confirmedBookingId)
      assert(
        (await page.locator(`tr[data-booking-id="${ctx.shared.confirmedBookingId}"]`).count()) === 1,
        'the e2e booking should be listed',
      );
    await ctx.shot(page, '18-admin-bookings');

    await page.selectOption('[data-status-filter]', 'PENDING');
    await page.waitForFunction(() => {
      const trs = [...document.querySelectorAll('[data-admin-bookings] tbody tr')];
      return trs.length > 0 && trs.every((tr) => tr.getAttribute('data-status') === 'PENDING');
    });
    const target = ctx.shared.declinedBookingId
      ? page.locator(`tr[data-booking-id="${ctx.shared.declinedBookingId}"]`)
      : page.locator('[data-admin-bookings] tbody tr').first();
    const id = await target.getAttribute('data-booking-id');
    await target.locator('a').click();
    await page.waitForURL(new RegExp(`/admin/bookings/${id}`));
    await page.waitForSelector('[data-mark-paid]');
    await ctx.shot(page, '19-admin-booking-pending', true);

    await page.click('[data-mark-paid] button[type="submit"]');
    await page.waitForSelector('#mark-reason-error');
    await page.fill('#mark-reason', 'Paid by bank transfer (e2e)');
    await page.click('[data-mark-paid] button[type="submit"]');
    await page.waitForSelector('[data-flash]:has-text("Marked as paid")');
    await page.waitForSelector('[data-detail-status][data-status="CONFIRMED"]', { timeout: 20_000 });
    assert((await page.textContent('[data-payment-status]'))?.includes('Paid'), 'the payment should read Paid');
    await page.waitForSelector('[data-refund]');

    // A partial refund: more than was paid is refused next to the amount, then 10.00 goes back.
    await page.fill('#refund-amount', '100');
    await page.fill('#refund-reason', 'One lock arrived scratched (e2e)');
    await page.click('[data-refund] button[type="submit"]');
    await page.waitForSelector('#refund-amount-error');
    await page.fill('#refund-amount', '10.00');
    await page.click('[data-refund] button[type="submit"]');
    await page.waitForSelector('[data-flash]:has-text("Refunded $10.00")');
    await page.waitForSelector('[data-payment]:has-text("One lock arrived scratched")');
    await ctx.shot(page, '20-admin-booking-marked-paid', true);
    assert(errors.length === 0, errors.join('\n'));
  } finally {
    await context.close();
  }
}

/** The newest mail the outbox holds for `to` of this kind (the platform writes each as JSON beside its .eml). */
async function mailFor(ctx: Ctx, to: string, kind: string): Promise<{ text: string }> {
  const dir = path.join(ctx.dataDir, 'outbox');
  for (let i = 0; i < 60; i++) {
    const files = fs.existsSync(dir)
      ? fs
          .readdirSync(dir)
          .filter((f) => f.endsWith('.json'))
          .sort()
      : [];
    for (const f of files.reverse()) {
      const mail = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as {
        to: string;
        text: string;
        tags?: { kind?: string };
      };
      if (mail.to === to && mail.tags?.kind === kind) return mail;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new AssertionError(`no ${kind} mail for ${to} in ${dir}`);
}

async function registerAndVerify(ctx: Ctx): Promise<void> {
  const { context, page, errors } = await newPage(ctx, { landing: '/signin?tab=register' });
  const email = `e2e-${Date.now().toString(36)}@example.com`;
  try {
    await page.waitForSelector('[data-register-form]');
    await page.fill('#page-register-name', 'Erin Tester');
    await page.fill('#page-register-email', email);
    await page.fill('#page-register-password', 'short');
    await page.click('[data-register-submit]');
    await page.waitForSelector('#page-register-password-error');
    await page.fill('#page-register-password', 'a-long-enough-password');
    await page.click('[data-register-submit]');
    await page.waitForSelector('[data-registered]');
    await ctx.shot(page, '24-registered');

    // Signing in before confirming is refused with a way out.
    await page.click('[data-tab="signin"]');
    await page.fill('#page-login-email', email);
    await page.fill('#page-login-password', 'a-long-enough-password');
    await page.click('[data-login-submit]');
    await page.waitForSelector('[data-unverified]');

    const mail = await mailFor(ctx, email, 'verify-email');
    const token = /verify-email\?token=(\S+)/.exec(mail.text)?.[1];
    assert(token, `the mail should carry a verification link: ${mail.text}`);
    await page.goto(`${ctx.baseUrl}/verify-email?token=${token}`);
    await page.waitForSelector('[data-verify="done"]');
    await page.click('[data-go-signin]');
    await page.fill('#page-login-email', email);
    await page.fill('#page-login-password', 'a-long-enough-password');
    await page.click('[data-login-submit]');
    await page.waitForSelector('[data-current-user]:has-text("Erin Tester")');

    // Notification settings: SMS needs a phone, then it is saved.
    await page.goto(`${ctx.baseUrl}/me/notifications`);
    await page.waitForSelector('[data-preferences]');
    await page.check('[data-pref-sms]');
    await page.click('[data-save-preferences]');
    await page.waitForSelector('#pref-phone-error');
    await page.fill('#pref-phone', '+33 6 12 34 56 78');
    await page.click('[data-save-preferences]');
    await page.waitForSelector('[data-saved]');
    await page.reload();
    await page.waitForSelector('[data-preferences]');
    assert(await page.isChecked('[data-pref-sms]'), 'the SMS choice should be kept');
    assert((await page.inputValue('#pref-phone')) === '+33612345678', 'the phone should be kept in E.164');
    await ctx.shot(page, '25-notifications');
    assert(errors.length === 0, errors.join('\n'));
  } finally {
    await context.close();
  }
}

async function adminReplaysHistory(ctx: Ctx): Promise<void> {
  const bookingId = ctx.shared.confirmedBookingId;
  assert(bookingId, 'needs the booking the customer flow paid');
  const { context, page, errors } = await newPage(ctx);
  try {
    await signIn(page, 'admin-ada');
    await page.goto(`${ctx.baseUrl}/admin/bookings/${bookingId}`);
    await page.click('[data-open-audit]');
    await page.waitForURL(/\/admin\/audit\?/);
    const slider = page.locator('[data-revision-slider]');
    await slider.waitFor();
    await page.waitForSelector('[data-state-path="status"]');
    const max = Number(await slider.getAttribute('max'));
    assert(max >= 1, `a paid booking has at least two revisions, got max ${max}`);
    assert(
      (await page.textContent('[data-state-path="status"]'))?.includes('CONFIRMED'),
      'the newest revision should show the booking CONFIRMED',
    );
    assert(
      (await page.locator('[data-audit-events] [data-actor]').count()) === max + 1,
      'one event per revision, each with its actor',
    );
    await ctx.shot(page, '26-admin-audit-latest', true);

    // Back to the first revision: the booking as it was placed.
    await slider.fill('0');
    await page.waitForSelector('[data-revision-label]:has-text("Revision 0 of")');
    await page.waitForFunction(() =>
      document.querySelector('[data-state-path="status"]')?.textContent?.includes('PENDING'),
    );
    assert(
      (await page.getAttribute('[data-event-revision="0"]', 'aria-current')) === 'step',
      'the event list should mark revision 0',
    );
    assert((await page.locator('[data-change]').count()) > 0, 'the first event changes the empty state');
    // and with the keyboard to the end again
    await slider.focus();
    await page.keyboard.press('End');
    await page.waitForSelector(`[data-revision-label]:has-text("Revision ${max} of")`);
    await page.waitForFunction(() =>
      document.querySelector('[data-state-path="status"]')?.textContent?.includes('CONFIRMED'),
    );
    await page.waitForSelector('[data-change="status"]:has-text("CONFIRMED")');
    await ctx.shot(page, '27-admin-audit-revision', true);

    // Users: find Bob.
    await page.click('nav[aria-label="Main"] >> text=Users');
    await page.waitForSelector('[data-user-row]');
    await page.fill('[data-user-search]', 'bob');
    await page.press('[data-user-search]', 'Enter');
    await page.waitForFunction(() => document.querySelectorAll('[data-user-row]').length === 1);
    await ctx.shot(page, '28-admin-users');

    // System: shown or "not available", never an error.
    await page.click('nav[aria-label="Main"] >> text=System');
    await page.waitForSelector('[data-system-section], [data-system-unavailable]');
    await ctx.shot(page, '29-admin-system');
    assert(errors.length === 0, errors.join('\n'));
  } finally {
    await context.close();
  }
}

async function mobileLayout(ctx: Ctx): Promise<void> {
  const { context, page, errors } = await newPage(ctx, { mobile: true });
  try {
    await page.waitForSelector('[data-offering-card]');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert(overflow <= 0, `the catalog should not scroll sideways on a phone (overflow ${overflow}px)`);
    await ctx.shot(page, '21-mobile-catalog');
    await page.click('[data-offering-card]:has-text("Guided Harbor Bike Tour")');
    await page.waitForSelector('[data-slot]');
    await ctx.shot(page, '22-mobile-offering', true);
    assert(errors.length === 0, errors.join('\n'));
  } finally {
    await context.close();
  }
  // and the dark colour scheme
  const dark = await newPage(ctx, { dark: true });
  try {
    await signIn(dark.page, 'customer-alice');
    await dark.page.click('[data-offering-card]:has-text("Wheel-throwing Workshop")');
    await dark.page.waitForSelector('[data-slot]');
    await dark.page.locator('[data-slot]:not([disabled])').first().click();
    await ctx.shot(dark.page, '23-dark-offering');
    assert(dark.errors.length === 0, dark.errors.join('\n'));
  } finally {
    await dark.context.close();
  }
}

export async function runFlows(options: RunOptions): Promise<FlowResult[]> {
  const browser = await chromium.launch({ executablePath: options.chromiumPath, headless: true, args: CHROMIUM_FLAGS });
  const ctx: Ctx = {
    browser,
    baseUrl: options.baseUrl,
    dataDir: options.dataDir,
    shared: {},
    async shot(page, name, fullPage = false) {
      await page.evaluate(async () => {
        await document.fonts?.ready;
        // a full-page capture of a scrolled page would paint the sticky header mid-page
        window.scrollTo(0, 0);
      });
      await page.screenshot({ path: `${options.shotsDir}/${name}.png`, fullPage });
    },
  };
  const flows: [string, (ctx: Ctx) => Promise<void>][] = [
    [
      'customer lands with utm, signs in with a password, books a slot, pays with 4242, downloads the PDF receipt',
      customerBooksAndPays,
    ],
    ['a declined card shows the decline message', declinedCard],
    ['provider creates a product and publishes it', providerCreatesAndPublishes],
    ['sold out while choosing, and a hold that expires while paying', soldOutAndExpired],
    ['provider sees its bookings; completing one before it starts is refused with the reason', providerBookings],
    ['admin sees all bookings and marks a pending one paid', adminMarksPendingPaid],
    ['admin replays the paid booking’s history with the revision slider; users and system pages', adminReplaysHistory],
    ['a visitor registers, confirms the email from the mail, signs in, sets notifications', registerAndVerify],
    ['the catalog and an offering fit a phone screen; dark scheme', mobileLayout],
  ];
  const results: FlowResult[] = [];
  try {
    for (const [name, flow] of flows) {
      const started = Date.now();
      try {
        await flow(ctx);
        results.push({ name, ok: true, ms: Date.now() - started });
      } catch (err) {
        results.push({
          name,
          ok: false,
          ms: Date.now() - started,
          error: err instanceof Error ? err.message.split('\n').slice(0, 6).join('\n    ') : String(err),
        });
      }
      process.stdout.write(results[results.length - 1]!.ok ? '.' : 'F');
    }
  } finally {
    await browser.close();
  }
  return results;
}
