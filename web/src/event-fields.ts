/** An event's data, read field by field: a field of another type than expected reads as its fallback. */
export type Fields = Record<string, unknown>;

export const str = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : fallback);
export const num = (v: unknown, fallback = 0): number => (typeof v === 'number' ? v : fallback);
export const bool = (v: unknown): boolean => v === true;
export const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x) => typeof x === 'string') : [];
export const role = (d: Fields): string => str(d.role, 'coder');
