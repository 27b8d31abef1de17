// A model lives exactly as long as the view that created it: made once on mount (or when a key
// changes), disposed on unmount.
import { useEffect, useMemo } from 'preact/hooks';

export function useModel<M extends { dispose(): void }>(create: () => M, keys: readonly unknown[] = []): M {
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const model = useMemo(create, keys);
  useEffect(() => () => model.dispose(), [model]);
  return model;
}
