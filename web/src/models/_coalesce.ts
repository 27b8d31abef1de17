// A refresh that may be asked for many times in a burst (one per event) but runs one at a time,
// and once more after the current run if it was asked for meanwhile: never stale, never piled up.

export interface Coalesced {
  /** Asks for a run. */
  (): void;
  /** Resolves when no run is pending or running. */
  idle(): Promise<void>;
}

export function coalesce(run: () => Promise<void>, onError: (err: unknown) => void = reportError): Coalesced {
  let running: Promise<void> | undefined;
  let again = false;
  const loop = async (): Promise<void> => {
    do {
      again = false;
      try {
        await run();
      } catch (err) {
        onError(err);
      }
    } while (again);
    running = undefined;
  };
  const trigger = (() => {
    if (running) again = true;
    else running = loop();
  }) as Coalesced;
  trigger.idle = async () => {
    while (running) await running;
  };
  return trigger;
}

function reportError(err: unknown): void {
  console.error(err);
}
