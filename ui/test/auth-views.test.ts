// @vitest-environment happy-dom
/** Sign-in forms, social buttons only when configured, the demo chooser kept as a tab, and account pages. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import SignInPanel from '../src/components/SignInPanel.vue';
import SocialButtons from '../src/components/SocialButtons.vue';
import NotificationPreferencesView from '../src/views/NotificationPreferencesView.vue';
import ResetPasswordView from '../src/views/ResetPasswordView.vue';
import VerifyEmailView from '../src/views/VerifyEmailView.vue';
import { createPinia } from 'pinia';
import { setScriptLoader } from '../src/lib/script-loader';
import { useConfigStore } from '../src/stores/config';
import { GOOGLE_SDK_URL } from '../src/lib/social-sdk';
import { FakeApi, flush, json, problem, tokens } from './support/fake-api';
import { mountApp, signedInAs } from './support/mount-app';

let fake: FakeApi;
let loaded: string[];
const NONE = { signIn: { google: null, apple: null }, tiktokPixel: null, maps: null, demoSignIn: false };

beforeEach(() => {
  localStorage.clear();
  document.body.innerHTML = '';
  fake = new FakeApi();
  fake.on('GET', '/api/payments/config', { gateway: 'sandbox', publishableKey: null, sandbox: true });
  loaded = [];
  setScriptLoader(async (src) => {
    loaded.push(src);
  });
});
afterEach(() => {
  setScriptLoader(null);
  delete window.google;
});

describe('SignInPanel', () => {
  it('puts the email form first and offers demo users only on a demo platform', async () => {
    fake.on('GET', '/api/config', NONE);
    const { wrapper } = await mountApp(SignInPanel, { props: { idPrefix: 't' } });
    await flush();
    expect(wrapper.findAll('[role="tab"]').map((t) => t.text())).toEqual(['Sign in', 'Create account']);
    expect(wrapper.find('[data-login-form]').exists()).toBe(true);
    expect(wrapper.find('[data-social-buttons]').exists()).toBe(false);

    fake.on('GET', '/api/config', { ...NONE, demoSignIn: true });
    const demo = await mountApp(SignInPanel, { props: { idPrefix: 'u' } });
    await flush();
    const tabs = demo.wrapper.findAll('[role="tab"]');
    expect(tabs.map((t) => t.text())).toEqual(['Sign in', 'Create account', 'Demo users']);
    // arrow keys move between tabs (roving focus)
    await tabs[0]!.trigger('keydown', { key: 'ArrowLeft' });
    expect(demo.wrapper.find('[data-tab="demo"]').attributes('aria-selected')).toBe('true');
  });

  it('signs in with the form, and offers the confirmation mail again for an unconfirmed address', async () => {
    fake.on('GET', '/api/config', NONE);
    fake.on(
      'POST',
      '/api/auth/login',
      problem(409, { code: 'email-not-verified', detail: 'verify your email address first' }),
    );
    fake.on('POST', '/api/auth/verify-email/resend', json({ status: 'accepted' }, 202));
    const { wrapper } = await mountApp(SignInPanel, { props: { idPrefix: 't' } });
    await flush();

    await wrapper.find('[data-login-form]').trigger('submit');
    expect(wrapper.find('#t-login-email-error').text()).toBe('Enter your email address');
    expect(fake.called('POST', '/api/auth/login')).toHaveLength(0);

    await wrapper.find('#t-login-email').setValue('new@example.com');
    await wrapper.find('#t-login-password').setValue('a-password-123');
    await wrapper.find('[data-login-form]').trigger('submit');
    await flush();
    expect(wrapper.find('[data-unverified]').exists()).toBe(true);
    await wrapper.find('[data-resend]').trigger('click');
    await flush();
    expect(fake.called('POST', '/api/auth/verify-email/resend')[0]!.body).toEqual({ email: 'new@example.com' });

    fake.on('POST', '/api/auth/login', tokens('u-new'));
    await wrapper.find('[data-login-form]').trigger('submit');
    await flush();
    expect(wrapper.emitted('signedIn')?.[0]?.[0]).toMatchObject({ id: 'u-new' });
  });

  it('registers and says to check the mailbox; server field errors land on their fields', async () => {
    fake.on('GET', '/api/config', NONE);
    fake.on(
      'POST',
      '/api/auth/register',
      problem(400, { code: 'validation', errors: [{ field: 'email', message: 'email must be an email' }] }),
    );
    const { wrapper } = await mountApp(SignInPanel, { props: { idPrefix: 't', initialTab: 'register' } });
    await flush();
    await wrapper.find('#t-register-name').setValue('Zoe');
    await wrapper.find('#t-register-email').setValue('zoe@example.com');
    await wrapper.find('#t-register-password').setValue('short');
    await wrapper.find('[data-register-form]').trigger('submit');
    expect(wrapper.find('#t-register-password-error').text()).toContain('10 characters');

    await wrapper.find('#t-register-password').setValue('long-enough-password');
    await wrapper.find('[data-register-form]').trigger('submit');
    await flush();
    expect(wrapper.find('#t-register-email-error').text()).toBe('Email must be an email');

    fake.on('POST', '/api/auth/register', json({ status: 'verification-sent' }, 202));
    await wrapper.find('[data-register-form]').trigger('submit');
    await flush();
    expect(wrapper.find('[data-registered]').text()).toContain('zoe@example.com');
    expect(fake.called('POST', '/api/auth/register').at(-1)!.body).toEqual({
      name: 'Zoe',
      email: 'zoe@example.com',
      password: 'long-enough-password',
    });
  });
});

describe('SocialButtons', () => {
  it('loads Google only when configured and exchanges its ID token with the nonce it asked for', async () => {
    let initOptions: { client_id: string; nonce: string; callback: (r: { credential?: string }) => void } | null = null;
    window.google = {
      accounts: {
        id: {
          initialize: (o) => {
            initOptions = o;
          },
          renderButton: (el) => {
            el.innerHTML = '<button>Continue with Google</button>';
          },
        },
      },
    };
    fake.on('GET', '/api/config', {
      ...NONE,
      signIn: { google: { clientId: 'web.apps.googleusercontent.com' }, apple: null },
    });
    fake.on('POST', '/api/auth/social/google', tokens('u-g'));
    // the config is loaded by the panel in the app; here before mounting
    const pinia = createPinia();
    await useConfigStore(pinia).load();
    const again = await mountApp(SocialButtons, { pinia });
    await flush();
    expect(loaded).toEqual([GOOGLE_SDK_URL]);
    expect(again.wrapper.find('[data-google-button]').text()).toContain('Continue with Google');
    expect(again.wrapper.find('[data-apple-button]').exists()).toBe(false);
    expect(initOptions!.client_id).toBe('web.apps.googleusercontent.com');
    initOptions!.callback({ credential: 'header.payload.signature-of-google' });
    await flush();
    expect(fake.called('POST', '/api/auth/social/google')[0]!.body).toEqual({
      idToken: 'header.payload.signature-of-google',
      nonce: initOptions!.nonce,
    });
    expect(again.wrapper.emitted('signedIn')?.[0]?.[0]).toMatchObject({ id: 'u-g' });
  });

  it('shows nothing and loads nothing without client ids', async () => {
    fake.on('GET', '/api/config', NONE);
    const pinia = createPinia();
    await useConfigStore(pinia).load();
    const { wrapper } = await mountApp(SocialButtons, { pinia });
    await flush();
    expect(wrapper.find('[data-social-buttons]').exists()).toBe(false);
    expect(loaded).toEqual([]);
  });
});

describe('account pages', () => {
  it('confirms an email from the mailed link', async () => {
    fake.on('POST', '/api/auth/verify-email', { userId: 'u1', emailVerified: true });
    const { wrapper } = await mountApp(VerifyEmailView, { path: '/verify-email?token=tok-0123456789abcdefghij' });
    await flush();
    expect(fake.called('POST', '/api/auth/verify-email')[0]!.body).toEqual({ token: 'tok-0123456789abcdefghij' });
    expect(wrapper.find('[data-verify="done"]').exists()).toBe(true);
  });

  it('resets a password: both entries must match; a used link is said in words', async () => {
    fake.on(
      'POST',
      '/api/auth/password/reset',
      problem(409, { code: 'invalid-token', detail: 'the reset link is not valid or has expired' }),
    );
    const { wrapper } = await mountApp(ResetPasswordView, { path: '/reset-password?token=tok-0123456789abcdefghij' });
    await wrapper.find('#reset-password').setValue('a-new-password-1');
    await wrapper.find('#reset-confirm').setValue('a-new-password-2');
    await wrapper.find('form').trigger('submit');
    expect(wrapper.find('#reset-confirm-error').text()).toBe('The two passwords differ');
    await wrapper.find('#reset-confirm').setValue('a-new-password-1');
    await wrapper.find('form').trigger('submit');
    await flush();
    expect(wrapper.find('[role="alert"]').text()).toContain('Ask for a new one');
  });

  it('notification preferences: loads, asks for a phone for SMS, saves', async () => {
    const pinia = await signedInAs(fake, 'customer-alice');
    fake.on('GET', '/api/me/notification-preferences', {
      userId: 'customer-alice',
      email: true,
      sms: false,
      phone: null,
    });
    fake.on('PUT', '/api/me/notification-preferences', { userId: 'customer-alice', revision: '3', position: '10' });
    const { wrapper } = await mountApp(NotificationPreferencesView, { pinia });
    await flush();
    expect((wrapper.find('[data-pref-email]').element as HTMLInputElement).checked).toBe(true);
    await wrapper.find('[data-pref-sms]').setValue(true);
    await wrapper.find('[data-preferences]').trigger('submit');
    expect(wrapper.find('#pref-phone-error').text()).toContain('phone number');
    expect(fake.called('PUT', '/api/me/notification-preferences')).toHaveLength(0);
    await wrapper.find('#pref-phone').setValue('+33 6 12 34 56 78');
    await wrapper.find('[data-preferences]').trigger('submit');
    await flush();
    expect(fake.called('PUT', '/api/me/notification-preferences')[0]!.body).toEqual({
      email: true,
      sms: true,
      phone: '+33612345678',
    });
    expect(wrapper.find('[data-saved]').exists()).toBe(true);
  });
});
