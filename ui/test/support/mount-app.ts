/** Mounts a view or component with Pinia and the app's routes in memory. */
import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia, type Pinia } from 'pinia';
import { createMemoryHistory, createRouter, type Router } from 'vue-router';
import type { Component } from 'vue';
import { routes } from '../../src/router';
import { useSessionStore } from '../../src/stores/session';
import { FakeApi, tokens } from './fake-api';

export async function mountApp(
  component: Component,
  options: { props?: Record<string, unknown>; path?: string; pinia?: Pinia } = {},
) {
  const pinia = options.pinia ?? createPinia();
  setActivePinia(pinia);
  const router: Router = createRouter({ history: createMemoryHistory(), routes });
  await router.push(options.path ?? '/');
  await router.isReady();
  const wrapper = mount(component, {
    props: options.props ?? {},
    attachTo: document.body,
    global: { plugins: [pinia, router], stubs: { teleport: true } },
  });
  return { wrapper, router, pinia };
}

/** A signed-in session through the real login call (the fake answers it). */
export async function signedInAs(fake: FakeApi, userId: string, role = 'customer'): Promise<Pinia> {
  const pinia = createPinia();
  setActivePinia(pinia);
  fake.on('POST', '/api/auth/login', tokens(userId, role));
  await useSessionStore().login(`${userId}@example.com`, 'a-password-123');
  return pinia;
}
