import { useState } from 'react';

/** `Copy` puts the text on the clipboard and says so (a status line screen readers announce). */
export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [copied, setCopied] = useState<'ok' | 'failed' | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied('ok');
    } catch {
      setCopied('failed');
    }
  };
  return (
    <span className="copy">
      <button type="button" className="button small" onClick={copy}>
        {label}
      </button>
      <span role="status" className="muted small">
        {copied === 'ok' ? 'Copied' : copied === 'failed' ? 'Copy failed: select the text instead' : ''}
      </span>
    </span>
  );
}
