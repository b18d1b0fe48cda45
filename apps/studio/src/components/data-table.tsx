import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { errorMessage } from '../api/api-client';
import { ErrorAlert } from './field';

export interface Column<T> {
  header: string;
  cell: (row: T) => ReactNode;
  className?: string;
  /** Shown to screen readers only (an actions column). */
  hiddenHeader?: boolean;
}

/** A table in a card, named by `label` (its accessible name), one row per item. */
export function DataTable<T>({ label, columns, rows, rowKey, compact }: { label: string; columns: Array<Column<T>>; rows: T[]; rowKey: (row: T) => string; compact?: boolean }) {
  return (
    <div className="table-wrap card">
      <table aria-label={label} className={compact ? 'compact' : undefined}>
        <thead>
          <tr>
            {columns.map((c) => (
              <th scope="col" key={c.header}>
                {c.hiddenHeader ? <span className="visually-hidden">{c.header}</span> : c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={rowKey(r)}>
              {columns.map((c) => (
                <td key={c.header} className={c.className}>
                  {c.cell(r)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * A list query as a page shows it: its error, `Loading…` until the first answer, `empty` when there is nothing,
 * else the table.
 */
export function QueryTable<T>({ query, empty, ...table }: { query: UseQueryResult<{ data: T[] }>; empty: ReactNode; label: string; columns: Array<Column<T>>; rowKey: (row: T) => string; compact?: boolean }) {
  if (query.error) return <ErrorAlert error={errorMessage(query.error)} />;
  if (!query.data) return <p className="muted">Loading…</p>;
  if (query.data.data.length === 0) return <div className="empty card">{empty}</div>;
  return <DataTable {...table} rows={query.data.data} />;
}
