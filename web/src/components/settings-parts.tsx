import { type QueryKey, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, type ReactNode, useState } from 'react';
import { ApiError } from '../api.ts';
import { formLevelError } from '../page-messages.ts';
import { pollMs } from '../query-client.ts';
import { ErrorBanner } from './error-banner.tsx';

/** A labelled input of a settings form, with the API's error for its field under it. */
export function SettingsField(props: {
  form: string;
  name: string;
  label: string;
  hint?: string;
  error: string | undefined;
  children: ReactNode;
}) {
  return (
    <div className="field" data-field={props.name}>
      <label htmlFor={`${props.form}-${props.name}`}>
        {props.label} {props.hint && <small className="muted">{props.hint}</small>}
      </label>
      {props.children}
      {props.error && <span className="field-error">{props.error}</span>}
    </div>
  );
}

/**
 * A settings list: polled every 10 s and at once after each change; `act` runs a row action (pause,
 * delete), reloads after it, and keeps the action's own error apart from the list's.
 */
export function useSettingsList<T>(queryKey: QueryKey, load: () => Promise<T>) {
  const queryClient = useQueryClient();
  const [actionError, setActionError] = useState<unknown>(null);
  const { data, error } = useQuery({ queryKey, queryFn: load, refetchInterval: pollMs.settings });
  const reload = () => queryClient.invalidateQueries({ queryKey });
  const act = async (action: Promise<unknown>) => {
    setActionError(null);
    await action;
    await reload();
  };
  return { data, error, actionError, setActionError, reload, act };
}

/**
 * A settings form's state: its values, the API's field errors and any other error, and a submit that
 * calls `save` and resets the values when it succeeded.
 */
export function useSettingsForm<F extends string>(
  form: string,
  initial: Record<F, string>,
  save: (values: Record<F, string>) => Promise<void>,
) {
  const [values, setValues] = useState(initial);
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<string, string>>>({});
  const mutation = useMutation({
    mutationFn: save,
    onMutate: () => setFieldErrors({}),
    onSuccess: () => setValues(initial),
    onError: (cause) => {
      if (cause instanceof ApiError) setFieldErrors(cause.fields);
    },
  });
  return {
    values,
    fieldErrors,
    // Errors under the fields are not said again above the form.
    error: formLevelError(mutation.error, Object.keys(initial)),
    busy: mutation.isPending,
    input: (name: F) => ({
      id: `${form}-${name}`,
      name,
      value: values[name],
      'aria-invalid': Boolean(fieldErrors[name]),
      onChange: (event: { target: { value: string } }) => {
        setValues((v) => ({ ...v, [name]: event.target.value }));
        setFieldErrors((f) => ({ ...f, [name]: undefined }));
      },
    }),
    submit(event: FormEvent) {
      event.preventDefault();
      mutation.mutate(values);
    },
  };
}

/** Pause or resume, and delete after a second click that confirms it. */
export function RowActions(props: {
  paused: boolean;
  onPause: (paused: boolean) => Promise<void>;
  onDelete: () => Promise<void>;
  onError: (error: unknown) => void;
}) {
  const run = (action: () => Promise<void>) => () => {
    action().catch(props.onError);
  };
  return (
    <span className="row-actions">
      <button type="button" className="button ghost small" onClick={run(() => props.onPause(!props.paused))}>
        {props.paused ? 'Resume' : 'Pause'}
      </button>
      <DeleteButton onDelete={props.onDelete} onError={props.onError} />
    </span>
  );
}

/** Delete after a second click that confirms it. */
export function DeleteButton(props: {
  label?: string;
  onDelete: () => Promise<void>;
  onError: (error: unknown) => void;
}) {
  const [confirming, setConfirming] = useState(false);
  const label = props.label ?? 'Delete';
  return confirming ? (
    <button
      type="button"
      className="button danger small"
      onClick={() => {
        props.onDelete().catch(props.onError);
      }}
    >
      Confirm {label.toLowerCase()}
    </button>
  ) : (
    <button type="button" className="button ghost small" onClick={() => setConfirming(true)}>
      {label}
    </button>
  );
}

/** The registered repositories as suggestions for a settings form's free-text Repository field. */
export const REPO_SUGGESTIONS = 'registered-repos';

/** Active, or paused with why. */
export function PauseStatus({ paused, reason }: { paused: boolean; reason?: string | null }) {
  return paused ? (
    <span className="warn-text" data-status="paused">
      paused{reason ? `: ${reason}` : ''}
    </span>
  ) : (
    <span className="add-text" data-status="active">
      active
    </span>
  );
}

export { ErrorBanner };
