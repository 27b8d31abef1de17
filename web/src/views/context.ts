import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { AppModel } from '../models/app.ts';
import type { Session } from '../models/session.ts';
import type { UpdateModel } from '../models/update.ts';

export interface AppContextValue {
  readonly app: AppModel;
  readonly update: UpdateModel;
}

export const AppContext = createContext<AppContextValue | null>(null);

export function useApp(): AppContextValue {
  const v = useContext(AppContext);
  if (!v) throw new Error('useApp: no AppContext above this view');
  return v;
}

export function useSession(): Session {
  const s = useApp().app.session.value;
  if (!s) throw new Error('useSession: no open session');
  return s;
}

/** The open session once the app shows it; null while the start-up preview is on screen. */
export function useLiveSession(): Session | null {
  const { app } = useApp();
  return app.phase.value === 'main' ? app.session.value : null;
}
