import type { BatchSubscription, EventBus } from './event-bus';

export const DEFAULT_MAX_BATCH_SIZE = 500;

/** Subscribes a batch consumer on any bus: natively where the driver batches, otherwise one event per batch. */
export function subscribeBatched(bus: EventBus, sub: BatchSubscription): Promise<void> {
  if (bus.subscribeBatch) return bus.subscribeBatch(sub);
  const { handler, maxBatchSize: _ignored, ...rest } = sub;
  return bus.subscribe({ ...rest, handler: (event) => handler([event]) });
}

interface Part<T, M> {
  items: T[];
  meta: M;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit for batch consumers: parts submitted while a run is in flight (or within `lingerMs` of the
 * first one when idle) are merged, in submission order, into one `run` call of at most `maxItems` items
 * (a part is never split; one larger than `maxItems` runs alone). Parts are taken in submission order; with
 * `concurrency` 1 (the default) runs also finish in that order. With more, runs overlap: a caller that needs
 * two parts applied in order submits the second only after the first settled (the Kafka driver does, per
 * partition). Each part's promise settles with the run that carried it: resolved once the run resolved,
 * rejected with its error otherwise (every part of a failed run is rejected, none is done).
 */
export class BatchCoalescer<T, M> {
  private pending: Array<Part<T, M>> = [];
  private pendingItems = 0;
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly opts: { maxItems: number; lingerMs: number; concurrency?: number },
    private readonly run: (items: T[], metas: M[]) => Promise<void>,
  ) {}

  submit(items: T[], meta: M): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ items, meta, resolve, reject });
      this.pendingItems += items.length;
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.inFlight >= (this.opts.concurrency ?? 1)) return; // a run that ends takes what is pending then
    if (this.pendingItems >= this.opts.maxItems || this.opts.lingerMs <= 0) {
      this.startRun();
      return;
    }
    this.timer ??= setTimeout(() => this.startRun(), this.opts.lingerMs);
  }

  private startRun(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0 || this.inFlight >= (this.opts.concurrency ?? 1)) return;
    const taken: Array<Part<T, M>> = [];
    let size = 0;
    while (this.pending.length > 0 && (taken.length === 0 || size + this.pending[0]!.items.length <= this.opts.maxItems)) {
      const part = this.pending.shift()!;
      taken.push(part);
      size += part.items.length;
    }
    this.pendingItems -= size;
    this.inFlight++;
    void (async () => {
      try {
        await this.run(
          taken.flatMap((p) => p.items),
          taken.map((p) => p.meta),
        );
        for (const p of taken) p.resolve();
      } catch (err) {
        for (const p of taken) p.reject(err);
      } finally {
        this.inFlight--;
        // What arrived meanwhile has waited long enough: it goes now.
        if (this.pending.length > 0) this.startRun();
      }
    })();
  }
}
