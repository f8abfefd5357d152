import { useLayoutEffect, useRef } from 'react';

/**
 * What a running command printed so far (`tool.output`), kept scrolled to its newest line unless the
 * reader scrolled up in it. The call's result replaces it when the command ends.
 */
export function LiveToolOutput({ text }: { text: string }) {
  const ref = useRef<HTMLPreElement>(null);
  const following = useRef(true);
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the output grows
  useLayoutEffect(() => {
    const pre = ref.current;
    if (pre && following.current) pre.scrollTop = pre.scrollHeight;
  }, [text]);
  return (
    <pre
      ref={ref}
      className="code output live-output"
      data-testid="live-output"
      onScroll={(event) => {
        const pre = event.currentTarget;
        following.current = pre.scrollHeight - (pre.scrollTop + pre.clientHeight) < 24;
      }}
    >
      {text}
    </pre>
  );
}
