import type { MouseEvent, ReactNode } from 'react';
import { navigate } from '../router.ts';

interface LinkProps {
  to: string;
  className?: string;
  title?: string;
  children: ReactNode;
}

/** An anchor that navigates in-app on a plain click and behaves like a link otherwise (new tab, copy). */
export function Link({ to, className, title, children }: LinkProps) {
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return (
    <a href={to} className={className} title={title} onClick={onClick}>
      {children}
    </a>
  );
}
