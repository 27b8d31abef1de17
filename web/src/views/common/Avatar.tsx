import { hueSlot, initials } from '../../lib/format.ts';

/** A contact's initials on a colour that stays theirs, with an optional presence dot. */
export function Avatar({
  id,
  name,
  online,
  size = 'md',
}: {
  id: string;
  name?: string | undefined;
  online?: boolean | undefined;
  size?: 'sm' | 'md' | 'lg';
}) {
  return (
    <span class={`avatar avatar-${size} hue-${hueSlot(id)}`} aria-hidden="true" data-testid="avatar">
      {initials(name, id)}
      {online !== undefined && (
        <span class={online ? 'presence on' : 'presence'} data-testid="presence-dot" data-online={online ? 'true' : 'false'} />
      )}
    </span>
  );
}
