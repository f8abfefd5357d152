import { z } from 'zod';
import { BadInputError } from '../core/errors.ts';
import { PLAYBOOK_NAME } from '../core/playbook.ts';
import { TOKEN_ROLES } from '../core/ports/store.ts';
import { SESSION_STATES } from '../core/session-state.ts';
import { MAX_ATTEMPTS, MIN_ATTEMPTS } from '../sessions/attempts/attempt-plan.ts';
import { MAX_TASK_CHARS } from '../sessions/create-session.ts';
import { MAX_MESSAGE_CHARS } from '../sessions/follow-ups.ts';

/** Request bodies and queries of the API, validated at the boundary. */

/** A session's task as the API takes it. */
export const sessionTaskSchema = z.string().trim().min(1, 'say what drydock should do').max(MAX_TASK_CHARS);

export const createSessionBody = z
  .object({
    repo: z
      .string()
      .trim()
      .min(1, 'name a registered repository: its id, its path or owner/name (GET /api/repos lists them)')
      .meta({ description: 'A registered repository (GET /api/repos): its id, its path, or owner/name' }),
    task: z.string().trim().max(MAX_TASK_CHARS).optional().meta({
      description: 'What to do, in plain words; with `playbook`, optional: a note that follows its steps',
    }),
    model: z.string().trim().min(1).optional().meta({
      description: "provider:model, else the server's default; script: only with --allow-script-models",
    }),
    friendModel: z.string().trim().min(1).optional().meta({
      description:
        "provider:model of the smart friend the coder may consult (ask_friend), else the server's default friend, if any",
    }),
    ref: z.string().trim().min(1).optional().meta({
      description: 'Branch, tag or commit to start from; default HEAD (not for forge repositories)',
    }),
    mode: z.enum(['manager']).optional().meta({
      description:
        'manager: a manager agent splits the task among child sessions and integrates their changes into one delivery (docs/attempts.md; not for forge repositories)',
    }),
    attempts: z.number().int().min(MIN_ATTEMPTS).max(MAX_ATTEMPTS).optional().meta({
      description:
        'Best of N (docs/attempts.md): run the task this many times with `model`, in parallel, and deliver the attempt chosen by evidence. Not with `models`',
    }),
    models: z.array(z.string().trim().min(1)).min(MIN_ATTEMPTS).max(MAX_ATTEMPTS).optional().meta({
      description:
        'Best of N with one attempt per provider:model spec (any providers); `model` (or the server default) is the judge. Not with `attempts`',
    }),
    playbook: z
      .string()
      .trim()
      .regex(PLAYBOOK_NAME, 'a playbook name: lowercase letters, digits, _ and -')
      .optional()
      .meta({
        description:
          "Run this playbook (docs/playbooks.md): the repository's `.drydock/playbooks/<name>.md`, else the server's; its steps are the task and the agent's plan, its model and attempts apply unless given here",
      }),
    inputs: z
      .record(z.string(), z.string().max(10_000))
      .optional()
      .meta({ description: "The playbook's inputs by name (GET /api/playbooks/{name} lists them)" }),
  })
  .superRefine((body, context) => {
    if (body.playbook === undefined && !body.task) {
      context.addIssue({ code: 'custom', path: ['task'], message: 'say what drydock should do' });
    }
    if (body.playbook === undefined && body.inputs !== undefined) {
      context.addIssue({
        code: 'custom',
        path: ['inputs'],
        message: 'inputs are for a playbook: name one in playbook',
      });
    }
  });

export const updateRepoBody = z
  .object({
    review: z
      .object({
        pullRequests: z.boolean().optional().meta({
          description:
            'Review pull requests opened or updated on it (a forge repository; docs/review.md). Off by default.',
        }),
      })
      .strict()
      .optional(),
  })
  .strict();

export const registerRepoBody = z.object({
  repo: z
    .string()
    .trim()
    .min(1, 'the absolute path of a git repository on the server, or owner/name on the forge')
    .max(4096)
    .meta({
      description:
        'The absolute path of a git repository on the server, owner/name on GitHub, gitlab:group/project on GitLab, gitea:owner/name on Gitea/Forgejo, or bitbucket:workspace/repo on Bitbucket',
    }),
});

export const messageBody = z.object({
  text: z.string().trim().min(1, 'the message is empty').max(MAX_MESSAGE_CHARS),
});

export const createTokenBody = z.object({
  name: z.string().trim().min(1, 'name the token after its user or purpose').max(200),
  role: z.enum(TOKEN_ROLES),
});

export const listSessionsQuery = z.object({
  state: z.enum(SESSION_STATES).optional(),
  repo: z.string().min(1).optional(),
  parentId: z.string().min(1).optional().meta({
    description: "A parent's children (attempts, a manager's children); absent: top-level sessions only",
  }),
  q: z.string().max(200).optional().meta({
    description: "Words each listed session's task, id or branch contains (any case, any order)",
  }),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

export const lastEventId = z.coerce.number().int().min(0);

/**
 * The validation hook of every route (`app.openapi(route, handler, rejectInvalid('session'))`): input that
 * does not fit its schema is a BadInputError `invalid_input` with one message per invalid field, thrown to
 * the app's one error handler.
 */
export function rejectInvalid(what: string) {
  return (
    result: { success: true } | { success: false; error: { issues: readonly z.core.$ZodIssue[] } },
  ): undefined => {
    if (!result.success) throw invalidInput(what, result.error.issues);
    return undefined;
  };
}

/** BadInputError `invalid_input` naming each invalid field (zod paths joined with dots) and its problem. */
export function invalidInput(what: string, issues: readonly z.core.$ZodIssue[]): BadInputError {
  const fields: Record<string, string> = {};
  for (const issue of issues) {
    const path = issue.path.map(String).join('.') || '(root)';
    fields[path] ??= issue.message;
  }
  return new BadInputError(
    'invalid_input',
    `Invalid ${what}: ${Object.entries(fields)
      .map(([path, message]) => `${path}: ${message}`)
      .join('; ')}`,
    { details: { fields } },
  );
}
