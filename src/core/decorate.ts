/**
 * A port with some of its members replaced (STYLE.md: "decorate ports once"). Every other member is
 * the target's, read when used: methods (bound to the target, so private state works), getters and
 * fields, including members the port gains later and subtypes' extras (a SnapshottingSandbox stays
 * one). The override object is consulted first, by own property.
 */
export function decorate<T extends object>(target: T, overrides: Partial<T>): T {
  return new Proxy(target, {
    get(inner, key) {
      if (Object.hasOwn(overrides, key)) return (overrides as Record<PropertyKey, unknown>)[key];
      const value: unknown = Reflect.get(inner, key, inner);
      return typeof value === 'function' ? value.bind(inner) : value;
    },
    has(inner, key) {
      return Object.hasOwn(overrides, key) || Reflect.has(inner, key);
    },
  });
}
