import * as DropdownMenu from '@radix-ui/react-dropdown-menu';
import type { ReactNode } from 'react';

/** A button that opens a menu of actions (`Add`, `Try Voice Call`). */
export function Menu({ label, items, primary }: { label: string; items: Array<{ label: string; onSelect: () => void; hint?: string }>; primary?: boolean }) {
  return (
    <DropdownMenu.Root>
      <DropdownMenu.Trigger className={`button${primary ? ' primary' : ''}`}>
        {label} <span aria-hidden="true">▾</span>
      </DropdownMenu.Trigger>
      <DropdownMenu.Portal>
        <DropdownMenu.Content className="menu" align="end" sideOffset={6}>
          {items.map((i) => (
            <DropdownMenu.Item key={i.label} className="menu-item" onSelect={i.onSelect}>
              {i.label}
              {i.hint && <span className="menu-hint">{i.hint}</span>}
            </DropdownMenu.Item>
          ))}
        </DropdownMenu.Content>
      </DropdownMenu.Portal>
    </DropdownMenu.Root>
  );
}

export function PageHeader({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <header className="page-header">
      <h1>{title}</h1>
      {children && <div className="page-actions">{children}</div>}
    </header>
  );
}
