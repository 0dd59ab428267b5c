/** Admin user management: list and search, roles, suspension, provider applications. */
import { defineStore } from 'pinia';
import { reactive, ref } from 'vue';
import { api, toApiError, type ApiError } from '../lib/api';
import type { AdminUser, CommandResult, Page, Role } from '../lib/types';

const enc = encodeURIComponent;
export const USERS_PAGE_SIZE = 25;

export interface UserFilters {
  q: string;
  role: '' | Role;
  status: '' | 'active' | 'suspended';
  page: number;
}

export const useUsersStore = defineStore('users', () => {
  const filters = reactive<UserFilters>({ q: '', role: '', status: '', page: 1 });
  const users = ref<AdminUser[]>([]);
  const total = ref(0);
  const loading = ref(false);
  const error = ref<ApiError | null>(null);

  async function load(): Promise<void> {
    loading.value = true;
    error.value = null;
    try {
      const page = await api.get<Page<AdminUser>>('/api/admin/users', {
        query: {
          q: filters.q.trim(),
          role: filters.role,
          status: filters.status,
          page: filters.page > 1 ? filters.page : undefined,
          pageSize: USERS_PAGE_SIZE,
        },
      });
      users.value = page.items;
      total.value = page.total;
    } catch (err) {
      error.value = toApiError(err);
    } finally {
      loading.value = false;
    }
  }

  /** After a command: the row again from the read model (the client waits for the write's position). */
  async function reloadOne(id: string): Promise<void> {
    const fresh = await api.get<AdminUser>(`/api/admin/users/${enc(id)}`);
    const i = users.value.findIndex((u) => u.id === id);
    if (i >= 0) users.value.splice(i, 1, fresh);
  }

  async function run(id: string, send: () => Promise<unknown>): Promise<void> {
    await send();
    await reloadOne(id);
  }

  const grantRole = (id: string, role: Role) =>
    run(id, () => api.post<CommandResult>(`/api/admin/users/${enc(id)}/roles`, { role }));
  const revokeRole = (id: string, role: Role) =>
    run(id, () => api.delete<CommandResult>(`/api/admin/users/${enc(id)}/roles/${enc(role)}`));
  const suspend = (id: string, reason: string) =>
    run(id, () => api.post<CommandResult>(`/api/admin/users/${enc(id)}/suspend`, { reason }));
  const reactivate = (id: string) => run(id, () => api.post<CommandResult>(`/api/admin/users/${enc(id)}/reactivate`));
  const decideApplication = (id: string, decision: 'approved' | 'rejected', reason?: string) =>
    run(id, () =>
      api.post<CommandResult>(`/api/admin/users/${enc(id)}/provider-application/decision`, {
        decision,
        ...(reason ? { reason } : {}),
      }),
    );

  return {
    filters,
    users,
    total,
    loading,
    error,
    load,
    grantRole,
    revokeRole,
    suspend,
    reactivate,
    decideApplication,
  };
});
