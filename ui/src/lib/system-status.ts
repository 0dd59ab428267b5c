/**
 * GET /api/admin/system's shape is not fixed yet, so the page renders whatever it gets as
 * tables: every list of objects (or map of name → object) becomes a section whose columns
 * start with name, position, lag and backlog; loose top-level values form a summary.
 */

export interface SystemSection {
  title: string;
  columns: string[];
  rows: Record<string, string>[];
}

const PREFERRED = ['name', 'position', 'lag', 'backlog'];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v);
}

export function humanizeKey(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .toLowerCase()
    .trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function section(title: string, items: Record<string, unknown>[]): SystemSection {
  const keys = new Set<string>();
  for (const it of items) for (const k of Object.keys(it)) keys.add(k);
  const columns = [...PREFERRED.filter((k) => keys.has(k)), ...[...keys].filter((k) => !PREFERRED.includes(k))];
  return { title, columns, rows: items.map((it) => Object.fromEntries(columns.map((c) => [c, cell(it[c])]))) };
}

export function toSections(body: unknown, title = 'Status'): SystemSection[] {
  if (Array.isArray(body)) {
    return body.every(isRecord) && body.length > 0 ? [section(title, body)] : [];
  }
  if (!isRecord(body)) return [];
  const out: SystemSection[] = [];
  const summary: Record<string, unknown>[] = [];
  for (const [key, value] of Object.entries(body)) {
    if (Array.isArray(value) && value.length > 0 && value.every(isRecord)) {
      out.push(section(humanizeKey(key), value));
    } else if (isRecord(value) && Object.keys(value).length > 0 && Object.values(value).every(isRecord)) {
      // a map of name -> details: the name becomes a column
      out.push(
        section(
          humanizeKey(key),
          Object.entries(value).map(([name, details]) => ({ name, ...(details as Record<string, unknown>) })),
        ),
      );
    } else if (isRecord(value)) {
      out.push(...toSections(value, humanizeKey(key)));
      if (Object.values(value).some((v) => !isRecord(v) && !Array.isArray(v)))
        summary.push(
          ...Object.entries(value)
            .filter(([, v]) => !isRecord(v) && !Array.isArray(v))
            .map(([k, v]) => ({ name: `${humanizeKey(key)}: ${humanizeKey(k)}`, value: v })),
        );
    } else {
      summary.push({ name: humanizeKey(key), value });
    }
  }
  if (summary.length > 0 && title === 'Status') out.unshift(section('Summary', summary));
  else if (summary.length > 0) out.unshift(section(title, summary));
  return out;
}
