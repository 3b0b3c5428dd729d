// A deduplicating asynchronous queue for the in-process controllers (GC, namespace and CRD
// lifecycle, simulation): keys are processed on a later tick so a controller never re-enters
// the store from inside a store event listener.
export class WorkQueue {
  private readonly pending = new Set<string>();
  private scheduled = false;
  private stopped = false;
  private readonly process: (key: string) => void;
  private readonly onError: (key: string, error: unknown) => void;

  constructor(process: (key: string) => void, onError: (key: string, error: unknown) => void = () => {}) {
    this.process = process;
    this.onError = onError;
  }

  add(key: string): void {
    if (this.stopped) return;
    this.pending.add(key);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.drain());
    }
  }

  stop(): void {
    this.stopped = true;
    this.pending.clear();
  }

  private drain(): void {
    this.scheduled = false;
    const keys = [...this.pending];
    this.pending.clear();
    for (const key of keys) {
      if (this.stopped) return;
      try {
        this.process(key);
      } catch (error) {
        this.onError(key, error);
      }
    }
  }
}
