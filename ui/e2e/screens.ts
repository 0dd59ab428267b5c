/**
 * Regenerates the screenshots of the main pages in docs/screens/ (or SCREENS_DIR): starts
 * a fresh platform with demo data, like the end-to-end run, and photographs each page
 * as a guest, a customer, a provider and an admin would see it.
 *
 *   npm run build -w ui && npm run screens -w ui
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { repoRoot, startPlatform } from './platform';
import { CHROMIUM_FLAGS, signIn } from './spa.e2e';

const outDir = process.env.SCREENS_DIR ?? path.join(repoRoot, 'docs/screens');

interface Shot {
  file: string;
  title: string;
}

async function main(): Promise<void> {
  const platform = await startPlatform();
  const shots: Shot[] = [];
  let browser: Browser | null = null;
  try {
    fs.mkdirSync(outDir, { recursive: true });
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_FLAGS,
    });
    const base = platform.baseUrl;
    const api = async <T>(p: string, init?: RequestInit): Promise<T> => {
      const res = await fetch(`${base}${p}`, init);
      if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${p} answered ${res.status}`);
      return (await res.json()) as T;
    };
    const token = async (userId: string) =>
      (
        await api<{ token: string }>('/api/demo/login', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ userId }),
        })
      ).token;

    async function page(options: { mobile?: boolean } = {}): Promise<Page> {
      const context = await browser!.newContext({
        viewport: options.mobile ? { width: 390, height: 844 } : { width: 1280, height: 860 },
        timezoneId: 'Europe/Paris',
        locale: 'en-GB',
        colorScheme: 'light',
        reducedMotion: 'reduce',
      });
      return context.newPage();
    }
    async function shot(p: Page, file: string, title: string, fullPage = true): Promise<void> {
      await p.evaluate(async () => {
        await document.fonts?.ready;
        window.scrollTo(0, 0);
      });
      await p
        .waitForFunction(() => !document.querySelector('.spinner'), undefined, { timeout: 10_000 })
        .catch(() => undefined);
      await p.screenshot({ path: path.join(outDir, file), fullPage });
      shots.push({ file, title });
      process.stdout.write('.');
    }

    const yoga = (await api<{ items: { id: string }[] }>('/api/offerings?q=vinyasa')).items[0]!.id;

    // guest
    const guest = await page();
    await guest.goto(`${base}/`);
    await guest.waitForSelector('[data-offering-card]');
    await shot(guest, 'catalog.png', 'Catalog', false);
    await guest.goto(`${base}/offerings/${yoga}`);
    await guest.waitForSelector('[data-slot]');
    await shot(guest, 'offering.png', 'A service with its slots in two time zones');
    await guest.goto(`${base}/signin`);
    await guest.waitForSelector('[data-login-form]');
    await shot(guest, 'sign-in.png', 'Sign in (email and password; demo users as a tab)', false);
    await guest.context().close();

    // customer: a hold to pay, then the bookings
    const alice = await token('customer-alice');
    const detail = await api<{ slots: { start: string; seatsLeft: number }[] }>(`/api/offerings/${yoga}`);
    const slot = detail.slots.find((s) => s.seatsLeft > 0)!.start;
    const placed = await api<{ bookingId: string }>('/api/bookings', {
      method: 'POST',
      headers: { authorization: `Bearer ${alice}`, 'content-type': 'application/json' },
      body: JSON.stringify({ offeringId: yoga, slotStart: slot }),
    });
    const customer = await page();
    await customer.goto(`${base}/`);
    await signIn(customer, 'customer-alice');
    await customer.goto(`${base}/checkout/${placed.bookingId}`);
    await customer.waitForSelector('[data-countdown]');
    await shot(customer, 'checkout.png', 'Checkout with the hold countdown (sandbox card form)', false);
    await customer.goto(`${base}/me/bookings`);
    await customer.waitForSelector('li[data-booking-id]');
    const paid = customer.locator('li[data-booking-id][data-status="CONFIRMED"]').first();
    if (await paid.count()) {
      await paid.locator('[data-receipts-toggle] summary').click();
      await paid
        .locator('[data-download-receipt]')
        .first()
        .waitFor({ timeout: 15_000 })
        .catch(() => undefined);
    }
    await shot(customer, 'my-bookings.png', 'My bookings with receipts');
    await customer.goto(`${base}/me/notifications`);
    await customer.waitForSelector('[data-preferences]');
    await shot(customer, 'notifications.png', 'Notification preferences', false);
    await customer.context().close();

    // provider
    const provider = await page();
    await provider.goto(`${base}/`);
    await signIn(provider, 'provider-lumen-yoga');
    await provider.goto(`${base}/provider/offerings`);
    await provider.waitForSelector('[data-offering-id]');
    await shot(provider, 'provider-offerings.png', "A provider's offerings");
    await provider.goto(`${base}/provider/offerings/new`);
    await provider.waitForSelector('[data-offering-form]');
    await shot(provider, 'provider-new-offering.png', 'Creating an offering');
    await provider.goto(`${base}/provider/bookings`);
    await provider.waitForSelector('tr[data-booking-id]');
    await shot(provider, 'provider-bookings.png', "A provider's bookings");
    await provider.context().close();

    // admin
    const admin = await page();
    await admin.goto(`${base}/`);
    await signIn(admin, 'admin-ada');
    await admin.goto(`${base}/admin/bookings`);
    await admin.waitForSelector('[data-admin-bookings] tbody tr');
    await shot(admin, 'admin-bookings.png', 'All bookings');
    const confirmed = await admin.getAttribute('[data-admin-bookings] tr[data-status="CONFIRMED"]', 'data-booking-id');
    await admin.goto(`${base}/admin/bookings/${confirmed}`);
    await admin.waitForSelector('[data-payment]');
    await shot(admin, 'admin-booking.png', 'A booking: timeline, payment, refund');
    await admin.goto(`${base}/admin/audit?type=bookings&id=${confirmed}&rev=0`);
    await admin.waitForSelector('[data-state-path="status"]');
    await shot(admin, 'admin-audit.png', 'Audit history: the revision slider, state and changes');
    await admin.goto(`${base}/admin/users`);
    await admin.waitForSelector('[data-user-row]');
    await shot(admin, 'admin-users.png', 'Users: roles and suspension');
    await admin.goto(`${base}/admin/system`);
    await admin.waitForSelector('[data-system-section], [data-system-unavailable]');
    await shot(admin, 'admin-system.png', 'System: projection lag and reactor backlog');
    await admin.goto(`${base}/admin/analytics`);
    await admin.waitForSelector('[data-funnel-stage]');
    await shot(admin, 'admin-analytics.png', 'Analytics: net revenue and the booking funnel');
    await admin.context().close();

    // phone
    const phone = await page({ mobile: true });
    await phone.goto(`${base}/`);
    await phone.waitForSelector('[data-offering-card]');
    await shot(phone, 'mobile-catalog.png', 'The catalog on a phone', false);
    await phone.context().close();

    const index = [
      '# Screens',
      '',
      'Regenerated by `npm run build -w ui && npm run screens -w ui` (a fresh platform with demo data, Chromium at 1280×860 or 390×844).',
      '',
      ...shots.map((s) => `- **${s.title}**: [${s.file}](${s.file})`),
      '',
    ].join('\n');
    fs.writeFileSync(path.join(outDir, 'README.md'), index);
    console.log(`\n${shots.length} screenshots in ${path.relative(process.cwd(), outDir) || outDir}`);
  } finally {
    await browser?.close();
    await platform.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
