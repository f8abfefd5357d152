/** Id generation behind a port so tests get stable ids. */
export interface IdGenerator {
  /** A new, unique, URL-safe id. */
  next(): string;
}
