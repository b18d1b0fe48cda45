import { Dialog } from '../../components/dialog';

/** Web calls (talking to the agent from the browser) come with the next issue; the menu item says so plainly. */
export function WebCallDialog({ onClose }: { onClose: () => void }) {
  return (
    <Dialog open onOpenChange={(o) => !o && onClose()} title="Web Call">
      <div className="stack">
        <p role="status" className="alert info">
          Web calls are coming soon: you will talk to this agent from your browser, with a live transcript. Until then, use Phone Call.
        </p>
        <div className="dialog-actions">
          <button type="button" className="button primary" onClick={onClose}>
            Close
          </button>
        </div>
      </div>
    </Dialog>
  );
}
