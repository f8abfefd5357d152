import { skipToken, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, type ReactNode, useState } from 'react';
import { ApiError } from '../api.ts';
import { useApi } from '../api-context.ts';
import { formLevelError } from '../page-messages.ts';
import { pollMs, queryKeys } from '../query-client.ts';
import { navigate, sessionPath } from '../router.ts';
import { formField, ONE_RUN, type RunsValues, runsRequest } from '../runs.ts';
import type { NewSessionInput, UsableModels } from '../types.ts';
import { ErrorBanner } from './error-banner.tsx';
import { Link } from './link.tsx';
import { PlaybookFields } from './playbook-fields.tsx';
import { RunsFields } from './runs-fields.tsx';

const LAST_REPO = 'drydock.lastRepo';
const FIELDS = ['repo', 'task', 'ref', 'model'] as const;
type Field = (typeof FIELDS)[number];
/** Every field that shows its own errors: the runs' too. */
const SHOWN: readonly string[] = [...FIELDS, 'attempts', 'models', 'mode', 'playbook', 'inputs'];

interface FieldProps {
  name: Field;
  label: string;
  hint?: string;
  error: string | undefined;
  children: ReactNode;
}

function Field({ name, label, hint, error, children }: FieldProps) {
  return (
    <div className="field" data-field={name}>
      <label htmlFor={`field-${name}`}>
        {label} {hint && <small className="muted">{hint}</small>}
      </label>
      {children}
      {error && <span className="field-error">{error}</span>}
    </div>
  );
}

/**
 * A new session: a registered repository (and a branch of it), the task, and a model this server can run.
 * The API validates and answers every field's problem at once; they show under their fields.
 */
export function NewTaskForm() {
  const api = useApi();
  const queryClient = useQueryClient();
  const repos =
    useQuery({ queryKey: queryKeys.repos, queryFn: () => api.listRepos(), refetchInterval: pollMs.repos })
      .data?.repos ?? null;
  const [values, setValues] = useState<Record<Field, string>>({
    repo: localStorage.getItem(LAST_REPO) ?? '',
    task: '',
    ref: '',
    model: '',
  });
  const chosen = repos?.find((each) => each.repo === values.repo) ?? null;
  const branches = useQuery({
    queryKey: queryKeys.branches(chosen?.id ?? ''),
    queryFn: chosen ? () => api.listBranches(chosen.id) : skipToken,
  }).data;
  const models = useQuery({ queryKey: queryKeys.models, queryFn: () => api.listModels() }).data;
  const playbooks =
    useQuery({
      queryKey: queryKeys.playbooks(chosen?.repo ?? ''),
      queryFn: chosen ? () => api.listPlaybooks(chosen.repo) : skipToken,
    }).data?.playbooks ?? null;
  const [playbook, setPlaybook] = useState('');
  const [inputs, setInputs] = useState<Record<string, string>>({});
  // A playbook chosen on another repository is none here.
  const activePlaybook = playbooks?.some((each) => each.name === playbook) ? playbook : '';
  const [runs, setRuns] = useState<RunsValues>(ONE_RUN);
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<string, string>>>({});
  const create = useMutation({
    mutationFn: (input: NewSessionInput) => api.createSession(input),
    onMutate: () => setFieldErrors({}),
    onSuccess: (created, input) => {
      localStorage.setItem(LAST_REPO, input.repo);
      void queryClient.invalidateQueries({ queryKey: queryKeys.sessions });
      navigate(sessionPath(created.id));
    },
    onError: (cause) => {
      if (!(cause instanceof ApiError)) return;
      // `models.1` (one of the models) shows under Models.
      const errors: Record<string, string> = {};
      for (const [key, text] of Object.entries(cause.fields)) errors[formField(key)] ??= text;
      setFieldErrors(errors);
    },
  });

  // The last repository used, while it is still registered.
  const repo = chosen ? values.repo : '';
  const forge = chosen?.kind === 'forge';

  const set = (name: Field) => (e: { target: { value: string } }) => {
    setValues((v) => ({ ...v, [name]: e.target.value }));
    setFieldErrors((f) => ({ ...f, [name]: undefined }));
  };

  const changeRuns = (change: Partial<RunsValues>) => {
    setRuns((r) => ({ ...r, ...change }));
    setFieldErrors((f) => ({ ...f, ...Object.fromEntries(Object.keys(change).map((k) => [k, undefined])) }));
  };
  // With models listed, each attempt runs its own: the Model field has nothing to say.
  const perModel = runs.models.length > 0;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const planned = runsRequest(runs);
    if (Object.keys(planned.errors).length > 0) {
      create.reset();
      setFieldErrors(planned.errors);
      return;
    }
    const input: NewSessionInput = { repo, task: values.task.trim(), ...planned.input };
    if (activePlaybook) {
      input.playbook = activePlaybook;
      // Empty fields are left out: the playbook's defaults apply.
      input.inputs = Object.fromEntries(Object.entries(inputs).filter(([, value]) => value.trim() !== ''));
    }
    if (values.ref.trim() && !forge) input.ref = values.ref.trim();
    if (values.model.trim() && !perModel) input.model = values.model.trim();
    create.mutate(input);
  };

  return (
    <section className="narrow">
      <div className="toolbar">
        <h1>New task</h1>
      </div>
      <form className="form" onSubmit={submit} noValidate>
        <ErrorBanner
          error={formLevelError(
            create.error,
            Object.keys(create.error instanceof ApiError ? create.error.fields : {}).filter((key) =>
              SHOWN.includes(formField(key)),
            ),
          )}
        />
        <Field name="repo" label="Repository" hint="one registered on this server" error={fieldErrors.repo}>
          <select
            id="field-repo"
            name="repo"
            className="mono"
            value={repo}
            onChange={set('repo')}
            aria-invalid={Boolean(fieldErrors.repo)}
          >
            <option value="">{repos === null ? 'Loading…' : 'Choose a repository'}</option>
            {repos?.map((repo) => (
              <option key={repo.id} value={repo.repo}>
                {repo.repo}
                {repo.kind === 'forge' ? ' (GitHub)' : ''}
              </option>
            ))}
          </select>
          {repos?.length === 0 && (
            <small className="muted" data-testid="no-repos">
              No repositories are registered yet: an admin registers them under{' '}
              <Link to="/settings">Settings</Link>.
            </small>
          )}
        </Field>
        <PlaybookFields
          playbooks={playbooks}
          name={playbook}
          inputs={inputs}
          onName={(name) => {
            setPlaybook(name);
            setInputs({});
            setFieldErrors((f) => ({ ...f, playbook: undefined, inputs: undefined }));
          }}
          onInput={(name, value) => {
            setInputs((i) => ({ ...i, [name]: value }));
            setFieldErrors((f) => ({ ...f, inputs: undefined }));
          }}
          errors={fieldErrors}
        />
        <Field
          name="task"
          label={activePlaybook ? 'Note' : 'Task'}
          hint={activePlaybook ? 'optional: follows the playbook’s steps' : undefined}
          error={fieldErrors.task}
        >
          <textarea
            id="field-task"
            name="task"
            rows={6}
            placeholder="What should change, and how will we know it works?"
            value={values.task}
            onChange={set('task')}
            aria-invalid={Boolean(fieldErrors.task)}
          />
        </Field>
        <div className="row">
          <Field
            name="ref"
            label="Branch"
            hint={forge ? 'its default branch' : 'or tag or commit; default: the checked-out branch'}
            error={fieldErrors.ref}
          >
            <input
              id="field-ref"
              name="ref"
              className="mono"
              spellCheck={false}
              list="branch-options"
              disabled={forge}
              placeholder={forge ? 'default branch' : (branches?.head ?? 'HEAD')}
              value={forge ? '' : values.ref}
              onChange={set('ref')}
              aria-invalid={Boolean(fieldErrors.ref)}
            />
            <datalist id="branch-options" data-testid="branch-options">
              {branches?.branches.map((branch) => (
                <option key={branch} value={branch} />
              ))}
            </datalist>
          </Field>
          <Field name="model" label="Model" hint={modelHint(models)} error={fieldErrors.model}>
            <input
              id="field-model"
              name="model"
              className="mono"
              spellCheck={false}
              list="model-options"
              placeholder={
                perModel
                  ? 'one per attempt, below'
                  : models?.defaultUsable
                    ? models.default
                    : 'choose a model'
              }
              disabled={perModel}
              value={perModel ? '' : values.model}
              onChange={set('model')}
              aria-invalid={Boolean(fieldErrors.model)}
            />
            <datalist id="model-options" data-testid="model-options">
              {models?.models.map((model) => (
                <option
                  key={model.spec}
                  value={model.spec}
                  label={model.default ? 'the default' : undefined}
                />
              ))}
            </datalist>
          </Field>
        </div>
        <RunsFields values={runs} onChange={changeRuns} errors={fieldErrors} />
        <div className="actions">
          <button type="submit" className="button primary" disabled={create.isPending}>
            {create.isPending ? 'Starting…' : 'Start session'}
          </button>
        </div>
      </form>
    </section>
  );
}

/** What the model field says about the server's default: which it is, or that it is not set up here. */
function modelHint(models: UsableModels | undefined): string {
  if (!models) return 'optional';
  return models.defaultUsable
    ? 'optional; default: the server’s'
    : `required: the server’s default, ${models.default}, is not set up here`;
}
