import { createRequire } from 'node:module';

interface ExampleGroup {
  name: string;
  examples: Array<Record<string, unknown>>;
}

/** A payload a test edits freely before sending it (real payloads are deep and loosely typed). */
// biome-ignore lint/suspicious/noExplicitAny: test payloads are edited in place, field by field
export type EditablePayload = Record<string, any>;

const examples = createRequire(import.meta.url)('@octokit/webhooks-examples') as ExampleGroup[];

/**
 * A deep copy of the first real GitHub payload for `event` whose action is `action` (from
 * @octokit/webhooks-examples), with `change` applied: tests adjust only what the case needs.
 */
export function githubExample(
  event: string,
  action: string,
  change: (payload: EditablePayload) => void = () => {},
): Record<string, unknown> {
  const found = examples
    .find((group) => group.name === event)
    ?.examples.find((each) => each.action === action);
  if (!found) throw new Error(`no ${event}.${action} example`);
  const payload = structuredClone(found) as EditablePayload;
  change(payload);
  return payload;
}
