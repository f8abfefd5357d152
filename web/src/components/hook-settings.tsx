import { ApiError } from '../api.ts';
import { useApi } from '../api-context.ts';
import { firstLine } from '../format.ts';
import { queryKeys } from '../query-client.ts';
import type { NewHookInput } from '../types.ts';
import {
  ErrorBanner,
  PauseStatus,
  REPO_SUGGESTIONS,
  RowActions,
  SettingsField,
  useSettingsForm,
  useSettingsList,
} from './settings-parts.tsx';

const EMPTY = { name: '', scheme: 'hmac', secret: '', repo: '', template: '', model: '' };

/**
 * Signed webhooks (`POST /webhooks/<name>`). They hold secrets, so only admins see them; the page never shows
 * a secret, only that one is set.
 */
export function HookSettings() {
  const api = useApi();
  const { data, error, actionError, setActionError, reload, act } = useSettingsList(queryKeys.hooks, () =>
    api.listHooks(),
  );
  const form = useSettingsForm('hook', EMPTY, async (values) => {
    const input: NewHookInput = {
      name: values.name.trim(),
      scheme: values.scheme === 'sentry' ? 'sentry' : 'hmac',
      secret: values.secret,
      repo: values.repo.trim(),
      template: values.template.trim(),
    };
    if (values.model.trim()) input.model = values.model.trim();
    await api.createHook(input);
    void reload();
  });

  if (error instanceof ApiError && error.status === 403) {
    return (
      <section className="settings-section" data-section="hooks">
        <h2>Webhooks</h2>
        <p className="muted">Webhooks hold secrets: only admins see and manage them.</p>
      </section>
    );
  }
  return (
    <section className="settings-section" data-section="hooks">
      <h2>Webhooks</h2>
      <ErrorBanner error={error ?? actionError} />
      {data && data.hooks.length === 0 && <div className="empty">No webhooks yet.</div>}
      {data && data.hooks.length > 0 && (
        <table className="settings-table stack-on-phone">
          <thead>
            <tr>
              <th>Name</th>
              <th>Scheme</th>
              <th>Repository</th>
              <th>Template</th>
              <th>Secret</th>
              <th>Status</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {data.hooks.map((hook) => (
              <tr key={hook.id} data-hook={hook.name}>
                <td data-label="Name" className="mono" title={`POST /webhooks/${hook.name}`}>
                  {hook.name}
                </td>
                <td data-label="Scheme">{hook.scheme}</td>
                <td data-label="Repository" className="mono" title={hook.repo}>
                  {hook.repo}
                </td>
                <td data-label="Template" title={hook.template}>
                  {firstLine(hook.template)}
                </td>
                <td data-label="Secret" className="muted">
                  set
                </td>
                <td data-label="Status">
                  <PauseStatus paused={hook.paused} />
                </td>
                <td>
                  <RowActions
                    paused={hook.paused}
                    onPause={(paused) => act(api.updateHook(hook.id, { paused }))}
                    onDelete={() => act(api.deleteHook(hook.id))}
                    onError={setActionError}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form className="form settings-form" onSubmit={form.submit} noValidate aria-label="New webhook">
        <h3>New webhook</h3>
        <ErrorBanner error={form.error} />
        <div className="row">
          <SettingsField
            form="hook"
            name="name"
            label="Name"
            hint="serves /webhooks/<name>"
            error={form.fieldErrors.name}
          >
            <input className="mono" spellCheck={false} placeholder="alerts" {...form.input('name')} />
          </SettingsField>
          <SettingsField form="hook" name="scheme" label="Signature" error={form.fieldErrors.scheme}>
            <select {...form.input('scheme')}>
              <option value="hmac">drydock HMAC</option>
              <option value="sentry">Sentry</option>
            </select>
          </SettingsField>
          <SettingsField
            form="hook"
            name="secret"
            label="Secret"
            hint="16+ characters, never shown again"
            error={form.fieldErrors.secret}
          >
            <input type="password" autoComplete="new-password" {...form.input('secret')} />
          </SettingsField>
        </div>
        <SettingsField
          form="hook"
          name="repo"
          label="Repository"
          hint="a registered repository: owner/name or its path"
          error={form.fieldErrors.repo}
        >
          <input className="mono" spellCheck={false} list={REPO_SUGGESTIONS} {...form.input('repo')} />
        </SettingsField>
        <SettingsField
          form="hook"
          name="template"
          label="Task template"
          hint="{{ payload.path }} inserts a field"
          error={form.fieldErrors.template}
        >
          <textarea rows={3} className="mono" {...form.input('template')} />
        </SettingsField>
        <SettingsField form="hook" name="model" label="Model" hint="optional" error={form.fieldErrors.model}>
          <input className="mono" spellCheck={false} {...form.input('model')} />
        </SettingsField>
        <div className="actions">
          <button type="submit" className="button primary" disabled={form.busy}>
            Add webhook
          </button>
        </div>
      </form>
    </section>
  );
}
