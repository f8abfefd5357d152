import { useApi } from '../api-context.ts';
import { queryKeys } from '../query-client.ts';
import type { NewSlackChannelInput } from '../types.ts';
import {
  ErrorBanner,
  PauseStatus,
  REPO_SUGGESTIONS,
  RowActions,
  SettingsField,
  useSettingsForm,
  useSettingsList,
} from './settings-parts.tsx';

const EMPTY = { channel: '', repo: '', model: '' };

/** Slack channel defaults: the repository an `@drydock` request there runs on when it names none. */
export function SlackChannelSettings() {
  const api = useApi();
  const { data, error, actionError, setActionError, reload, act } = useSettingsList(
    queryKeys.slackChannels,
    () => api.listSlackChannels(),
  );
  const form = useSettingsForm('slack', EMPTY, async (values) => {
    const input: NewSlackChannelInput = { channel: values.channel.trim(), repo: values.repo.trim() };
    if (values.model.trim()) input.model = values.model.trim();
    await api.createSlackChannel(input);
    void reload();
  });

  return (
    <section className="settings-section" data-section="slack">
      <h2>Slack channels</h2>
      <p className="muted">
        Where a request in a channel runs when it names no repository. <code>*</code> is every channel and
        direct message without its own.
      </p>
      <ErrorBanner error={error ?? actionError} />
      {data && data.channels.length === 0 && <div className="empty">No channel defaults yet.</div>}
      {data && data.channels.length > 0 && (
        <table className="settings-table stack-on-phone">
          <thead>
            <tr>
              <th>Channel</th>
              <th>Repository</th>
              <th>Model</th>
              <th>Status</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {data.channels.map((channel) => (
              <tr key={channel.id} data-channel={channel.channel}>
                <td data-label="Channel" className="mono">
                  {channel.channel}
                </td>
                <td data-label="Repository" className="mono" title={channel.repo}>
                  {channel.repo}
                </td>
                <td data-label="Model" className="mono">
                  {channel.model ?? <span className="muted">default</span>}
                </td>
                <td data-label="Status">
                  <PauseStatus paused={channel.paused} />
                </td>
                <td>
                  <RowActions
                    paused={channel.paused}
                    onPause={(paused) => act(api.updateSlackChannel(channel.id, { paused }))}
                    onDelete={() => act(api.deleteSlackChannel(channel.id))}
                    onError={setActionError}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form
        className="form settings-form"
        onSubmit={form.submit}
        noValidate
        aria-label="New Slack channel default"
      >
        <h3>New channel default</h3>
        <ErrorBanner error={form.error} />
        <div className="row">
          <SettingsField
            form="slack"
            name="channel"
            label="Channel id"
            hint="C0123ABCD, or *"
            error={form.fieldErrors.channel}
          >
            <input className="mono" spellCheck={false} {...form.input('channel')} />
          </SettingsField>
          <SettingsField
            form="slack"
            name="model"
            label="Model"
            hint="optional"
            error={form.fieldErrors.model}
          >
            <input className="mono" spellCheck={false} {...form.input('model')} />
          </SettingsField>
        </div>
        <SettingsField
          form="slack"
          name="repo"
          label="Repository"
          hint="a registered repository: owner/name or its path"
          error={form.fieldErrors.repo}
        >
          <input className="mono" spellCheck={false} list={REPO_SUGGESTIONS} {...form.input('repo')} />
        </SettingsField>
        <div className="actions">
          <button type="submit" className="button primary" disabled={form.busy}>
            Add channel default
          </button>
        </div>
      </form>
    </section>
  );
}
