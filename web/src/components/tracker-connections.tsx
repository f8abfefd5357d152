import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { ApiError } from '../api.ts';
import { useApi } from '../api-context.ts';
import { formLevelError } from '../page-messages.ts';
import { queryKeys } from '../query-client.ts';
import type { TrackerConnection, TrackerKind } from '../types.ts';
import { DeleteButton, ErrorBanner, SettingsField, useSettingsList } from './settings-parts.tsx';

interface FieldSpec {
  name: string;
  label: string;
  hint?: string;
  secret?: boolean;
}

const FIELDS: Record<TrackerKind, FieldSpec[]> = {
  linear: [
    { name: 'apiKey', label: 'API key', hint: "drydock's Linear user: Settings → API", secret: true },
    { name: 'webhookSecret', label: 'Webhook signing secret', secret: true },
    { name: 'handle', label: 'Handle', hint: 'the @name comments mention; default drydock' },
    { name: 'apiUrl', label: 'API URL', hint: "empty: Linear's" },
  ],
  jira: [
    { name: 'url', label: 'Site', hint: 'https://your-domain.atlassian.net' },
    { name: 'email', label: 'Account email', hint: "drydock's Atlassian account" },
    { name: 'apiToken', label: 'API token', secret: true },
    { name: 'webhookSecret', label: 'Webhook signing secret', secret: true },
    { name: 'label', label: 'Label', hint: 'asks drydock for work; default drydock' },
  ],
};
const NAMES: Record<TrackerKind, string> = { linear: 'Linear', jira: 'Jira' };

/**
 * Linear's and Jira's credentials (admins): a form per tracker. Secrets are write-only: a set one shows as
 * "set" with a Replace button, never its value. The server's environment wins: its trackers are read-only here.
 */
export function TrackerConnections() {
  const api = useApi();
  const { data, error, actionError, setActionError, reload, act } = useSettingsList(
    queryKeys.trackerConnections,
    () => api.listTrackerConnections(),
  );
  // Members and viewers: the configured list above says enough.
  if (error instanceof ApiError && error.status === 403) return null;
  return (
    <div className="tracker-connections">
      <h3>Connections</h3>
      <ErrorBanner error={error ?? actionError} />
      {data?.connections.map((connection) => (
        <ConnectionForm
          // A save remounts the form with what is stored now.
          key={`${connection.tracker}:${connection.source}:${connection.updatedAt}`}
          connection={connection}
          onSaved={() => void reload()}
          onDisconnect={() => act(api.disconnectTracker(connection.tracker))}
          onError={setActionError}
        />
      ))}
    </div>
  );
}

function ConnectionForm(props: {
  connection: TrackerConnection;
  onSaved: () => void;
  onDisconnect: () => Promise<void>;
  onError: (error: unknown) => void;
}) {
  const api = useApi();
  const { connection } = props;
  const kind = connection.tracker;
  const fromEnv = connection.source === 'env';
  const [values, setValues] = useState<Record<string, string>>({ ...connection.settings });
  const [replacing, setReplacing] = useState<Record<string, boolean>>({});
  const [check, setCheck] = useState(true);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const mutation = useMutation({
    mutationFn: () => {
      const input: Record<string, string | boolean> = { check };
      for (const field of FIELDS[kind]) {
        const value = (values[field.name] ?? '').trim();
        // Left empty: a secret keeps the stored one, a setting its stored value (apiUrl: back to Linear's).
        if (value !== '' || (field.name === 'apiUrl' && connection.settings.apiUrl))
          input[field.name] = value;
      }
      return api.connectTracker(kind, input);
    },
    onMutate: () => setFieldErrors({}),
    onSuccess: props.onSaved,
    onError: (cause) => {
      if (cause instanceof ApiError) setFieldErrors(cause.fields);
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    mutation.mutate();
  };
  const id = (name: string) => `connection-${kind}-${name}`;

  return (
    <form
      className="form settings-form"
      data-connection={kind}
      onSubmit={submit}
      noValidate
      aria-label={`${NAMES[kind]} connection`}
    >
      <h4>{NAMES[kind]}</h4>
      <p className="muted" data-status={connection.source ?? 'none'}>
        {connection.source === 'env' &&
          "Configured by the server's environment, which wins over settings here: change it there."}
        {connection.source === 'stored' &&
          `Connected by ${connection.updatedBy} at ${connection.updatedAt}; webhooks at ${connection.webhookPath}.`}
        {connection.source === null && `Not connected: its webhooks at ${connection.webhookPath} answer 503.`}
      </p>
      <ErrorBanner
        error={formLevelError(
          mutation.error,
          FIELDS[kind].map((field) => field.name),
        )}
      />
      <fieldset disabled={fromEnv || mutation.isPending}>
        {FIELDS[kind].map((field) => {
          const isSet = connection.secretsSet.includes(field.name);
          const error = fieldErrors[field.name];
          return (
            <SettingsField
              key={field.name}
              form={`connection-${kind}`}
              name={field.name}
              label={field.label}
              {...(field.hint ? { hint: field.hint } : {})}
              error={error}
            >
              {field.secret && isSet && !replacing[field.name] ? (
                <span className="secret-set" data-secret={field.name}>
                  <span className="add-text">set</span>{' '}
                  {!fromEnv && (
                    <button
                      type="button"
                      className="button ghost small"
                      onClick={() => setReplacing((r) => ({ ...r, [field.name]: true }))}
                    >
                      Replace
                    </button>
                  )}
                </span>
              ) : (
                <input
                  id={id(field.name)}
                  name={field.name}
                  className="mono"
                  spellCheck={false}
                  {...(field.secret ? { type: 'password', autoComplete: 'new-password' } : {})}
                  value={values[field.name] ?? ''}
                  aria-invalid={Boolean(error)}
                  onChange={(event) => {
                    const value = event.target.value;
                    setValues((v) => ({ ...v, [field.name]: value }));
                    setFieldErrors((f) => ({ ...f, [field.name]: '' }));
                  }}
                />
              )}
            </SettingsField>
          );
        })}
        <div className="field" data-field="check">
          <label className="check-field">
            <input
              type="checkbox"
              name="check"
              checked={check}
              onChange={(event) => setCheck(event.target.checked)}
            />
            Check the credentials with {NAMES[kind]} first{' '}
            <small className="muted">one call, as drydock's user</small>
          </label>
        </div>
      </fieldset>
      {!fromEnv && (
        <div className="actions">
          <button type="submit" className="button primary" disabled={mutation.isPending}>
            {connection.source === 'stored' ? 'Save' : 'Connect'}
          </button>
          {connection.source === 'stored' && (
            <DeleteButton label="Disconnect" onDelete={props.onDisconnect} onError={props.onError} />
          )}
        </div>
      )}
    </form>
  );
}
