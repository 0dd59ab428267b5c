/** Helpers of the audit page: a replayed state as rows of path and value, and values in words. */
import { api } from './api';
import type { AuditChange, AuditEvent } from './types';

export type AuditType = 'bookings' | 'payments' | 'offerings' | 'receipts' | 'users';

export const AUDIT_TYPES: { value: AuditType; label: string }[] = [
  { value: 'bookings', label: 'Booking' },
  { value: 'payments', label: 'Payment' },
  { value: 'offerings', label: 'Offering' },
  { value: 'receipts', label: 'Receipt' },
  { value: 'users', label: 'User' },
];

export function isAuditType(v: unknown): v is AuditType {
  return AUDIT_TYPES.some((t) => t.value === v);
}

export interface StateRow {
  path: string;
  value: string;
}

/** Every leaf of a JSON value by dotted path (arrays by index), in a stable order. */
export function flattenState(value: unknown, path = ''): StateRow[] {
  if (value !== null && typeof value === 'object') {
    const entries = Array.isArray(value)
      ? value.map((v, i) => [String(i), v] as const)
      : Object.keys(value as object)
          .sort()
          .map((k) => [k, (value as Record<string, unknown>)[k]] as const);
    if (entries.length === 0) return [{ path: path || '(root)', value: Array.isArray(value) ? '[]' : '{}' }];
    return entries.flatMap(([k, v]) => flattenState(v, path ? `${path}.${k}` : k));
  }
  return [{ path: path || '(root)', value: formatValue(value) }];
}

export function formatValue(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** Whether a state row lies at or under a changed path (diff paths stop where values stop being objects). */
export function isChanged(rowPath: string, changes: AuditChange[]): boolean {
  return changes.some((c) => rowPath === c.path || rowPath.startsWith(`${c.path}.`) || c.path === '(root)');
}

/**
 * The server reports a change at the first path where the two states part (a whole
 * object when it appeared); this lists it leaf by leaf, so each row is one field.
 */
export function expandChanges(changes: AuditChange[]): { path: string; before: string; after: string }[] {
  const leaves = (v: unknown, base: string): Map<string, string> => {
    const m = new Map<string, string>();
    if (v === null || v === undefined) return m;
    for (const row of flattenState(v, base)) m.set(row.path, row.value);
    return m;
  };
  return changes.flatMap((c) => {
    const before = leaves(c.before, c.path);
    const after = leaves(c.after, c.path);
    const paths = [...new Set([...before.keys(), ...after.keys()])].sort();
    return paths
      .filter((p) => before.get(p) !== after.get(p))
      .map((p) => ({ path: p, before: before.get(p) ?? '—', after: after.get(p) ?? '—' }));
  });
}

const enc = encodeURIComponent;

export interface AuditHistory {
  streamId: string;
  revision: string;
  events: AuditEvent[];
}

export const auditApi = {
  events: (type: AuditType, id: string) => api.get<AuditHistory>(`/api/admin/audit/${type}/${enc(id)}/events`),
  state: (type: AuditType, id: string, revision: number) =>
    api.get<{ streamId: string; revision: number; state: unknown }>(`/api/admin/audit/${type}/${enc(id)}/state`, {
      query: { revision },
    }),
  diff: (type: AuditType, id: string, from: number, to: number) =>
    api.get<{ changes: AuditChange[]; events: AuditEvent[] }>(`/api/admin/audit/${type}/${enc(id)}/diff`, {
      query: { from, to },
    }),
  trace: (correlationId: string) =>
    api.get<{ correlationId: string; events: AuditEvent[] }>(`/api/admin/audit/trace/${enc(correlationId)}`),
};
