export interface DecorateOptions<T> {
  /**
   * Runs around every call of a method the overrides do not replace (`call` invokes it, with the
   * caller's arguments, on the target it is given): what a wrapper does for each call, such as
   * replacing a dead target, then reaches the methods the port gains later too.
   */
  around?: (call: (target: T) => unknown, key: string | symbol) => unknown;
}

/**
 * A port with some of its members replaced (STYLE.md: "decorate ports once"). Every other member is
 * the target's, read when used: methods (bound to the target, so private state works), getters and
 * fields, including members the port gains later and subtypes' extras (a SnapshottingSandbox stays
 * one). The override object is consulted first, by own property.
 */
export function decorate<T extends object>(
  target: T,
  overrides: Partial<T>,
  options: DecorateOptions<T> = {},
): T {
  return new Proxy<T>(
    target,
    forwarding(() => target, overrides, options),
  );
}

/**
 * `decorate` over whichever target `current()` returns at each use: for a wrapper whose inner port is
 * replaced while callers hold the wrapper (a sandbox restarted or restored behind the same handle).
 * The overrides may add members of their own (`X`), which the result then has.
 */
export function decorateCurrent<T extends object, X extends object = Partial<T>>(
  current: () => T,
  overrides: Partial<T> & X,
  options: DecorateOptions<T> = {},
): T & X {
  // The proxy's own target is a placeholder: every read goes to the overrides or to current().
  return new Proxy({} as T, forwarding(current, overrides, options)) as T & X;
}

function forwarding<T extends object>(
  current: () => T,
  overrides: object,
  { around }: DecorateOptions<T>,
): ProxyHandler<T> {
  return {
    get(_, key) {
      if (Object.hasOwn(overrides, key)) return (overrides as Record<PropertyKey, unknown>)[key];
      const target = current();
      const value: unknown = Reflect.get(target, key, target);
      if (typeof value !== 'function') return value;
      if (!around) return value.bind(target);
      return (...args: unknown[]) =>
        around((inner) => Reflect.apply(Reflect.get(inner, key, inner) as typeof value, inner, args), key);
    },
    has(_, key) {
      return Object.hasOwn(overrides, key) || Reflect.has(current(), key);
    },
  };
}
