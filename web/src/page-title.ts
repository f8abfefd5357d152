import { useEffect } from 'react';

const APP = 'drydock';

/** `<what> · drydock`, so tabs and history say which page they hold; `drydock` alone without one. */
export function pageTitle(what: string | null): string {
  const text = what?.trim().split('\n', 1)[0]?.trim() ?? '';
  if (text === '') return APP;
  return `${text.length > 80 ? `${text.slice(0, 79)}…` : text} · ${APP}`;
}

/** Sets the tab's title while the calling page shows. */
export function usePageTitle(what: string | null): void {
  useEffect(() => {
    document.title = pageTitle(what);
  }, [what]);
}

/** Sets the tab's title for a page that has no hook of its own; renders nothing. */
export function PageTitle({ what }: { what: string | null }): null {
  usePageTitle(what);
  return null;
}
