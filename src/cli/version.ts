import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** drydock's version, from package.json. */
export const DRYDOCK_VERSION: string = (
  JSON.parse(readFileSync(resolve(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as {
    version: string;
  }
).version;
