import { EXIT, type CliContext } from './cli-program';
import type { ApiClient } from './api-client';

/** A result: as JSON with `--json` (for scripts), else the text for people. */
export function show(ctx: CliContext, value: unknown, text: () => string): number {
  ctx.out(ctx.json ? `${JSON.stringify(value, null, 2)}\n` : text());
  return EXIT.ok;
}

/**
 * The API's refusal: with `--json`, its body as the API wrote it (stdout, for scripts); else one line for people on
 * stderr, `Refused (404 not_found): The tenant was not found.`, and a line per bad field. Exit 1.
 */
export async function printRefusal(res: Response, ctx: CliContext): Promise<number> {
  const text = await res.text();
  if (ctx.json) {
    ctx.out(`${text}\n`);
    return EXIT.refused;
  }
  let error: { code?: string; message?: string; details?: unknown } = {};
  try {
    error = (JSON.parse(text) as { error?: typeof error }).error ?? {};
  } catch {
    // Not JSON: shown as it came, below.
  }
  ctx.err(`Refused (${res.status} ${error.code ?? 'error'}): ${error.message ?? text}\n`);
  if (Array.isArray(error.details)) {
    for (const d of error.details as Array<{ field?: string; message?: string }>) if (d.field) ctx.err(`  ${d.field}: ${d.message ?? ''}\n`);
  }
  return EXIT.refused;
}

/** Rows as aligned columns, the first row the header. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}

/** Every item of a cursor list (API.md "Lists"), page after page; a refusal is handed back as it came. */
export async function allPages<T>(client: ApiClient, path: string): Promise<{ items: T[] } | { refusal: Response }> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const res = await client.request('GET', `${path}?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    if (!res.ok) return { refusal: res };
    const page = (await res.json()) as { data: T[]; next_cursor: string | null };
    items.push(...page.data);
    cursor = page.next_cursor;
  } while (cursor);
  return { items };
}
