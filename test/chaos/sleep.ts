/** A sleep that a stop can cut short, so chaos loops end at once instead of after their longest wait. */
export type Stopper = { readonly stopped: boolean; sleep(ms: number): Promise<void>; stop(): void };

export function stopper(): Stopper {
  let stopped = false;
  const wakers = new Set<() => void>();
  return {
    get stopped() {
      return stopped;
    },
    sleep(ms) {
      if (stopped) return Promise.resolve();
      return new Promise((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          wakers.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, ms);
        wakers.add(wake);
      });
    },
    stop() {
      stopped = true;
      for (const wake of [...wakers]) wake();
    },
  };
}
