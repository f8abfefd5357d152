import { ApiError } from '../api.ts';
import { useApi, useMe } from '../api-context.ts';
import { queryKeys } from '../query-client.ts';
import type { PlaybookInfo } from '../types.ts';
import {
  DeleteButton,
  ErrorBanner,
  SettingsField,
  useSettingsForm,
  useSettingsList,
} from './settings-parts.tsx';

const EMPTY = { name: '', text: '' };

const EXAMPLE = `---
description: Bump a dependency and fix what breaks
inputs:
  package:
    description: the package to bump
    required: true
---
1. Upgrade {{package}} to its latest version.
2. Run the tests and fix what fails.`;

/**
 * The server's own playbooks (docs/playbooks.md), for every repository: members see them, admins add,
 * replace and remove them. A repository's playbook of the same name still wins on that repository.
 */
export function PlaybookSettings() {
  const api = useApi();
  const admin = useMe()?.role === 'admin';
  const { data, error, actionError, setActionError, reload, act } = useSettingsList(
    queryKeys.serverPlaybooks,
    () => api.listServerPlaybooks(),
  );
  const form = useSettingsForm('playbook', EMPTY, async (values) => {
    const name = values.name.trim();
    if (!name) throw new ApiError(400, 'invalid_input', 'Name the playbook.', { name: 'Name the playbook.' });
    try {
      await api.putPlaybook(name, values.text);
    } catch (cause) {
      // The file's own problem (which line, what is wrong) belongs under the field that holds it.
      if (cause instanceof ApiError && cause.code === 'invalid_playbook') {
        throw new ApiError(cause.status, cause.code, cause.message, { text: cause.message });
      }
      throw cause;
    }
    void reload();
  });

  if (error instanceof ApiError && error.status === 403) {
    return (
      <section className="settings-section" data-section="playbooks">
        <h2>Playbooks</h2>
        <p className="muted">Members and admins see the server's playbooks.</p>
      </section>
    );
  }
  const broken = data?.broken.filter((playbook) => playbook.source === 'server') ?? [];
  return (
    <section className="settings-section" data-section="playbooks">
      <h2>Playbooks</h2>
      <p className="muted">
        Named, reusable tasks with inputs, offered on the new-task form for every repository. A repository's{' '}
        <code>.drydock/playbooks/&lt;name&gt;.md</code> of the same name wins on that repository.
      </p>
      <ErrorBanner error={error ?? actionError} />
      {data && data.playbooks.length === 0 && broken.length === 0 && (
        <div className="empty">No server playbooks yet.</div>
      )}
      {data && (data.playbooks.length > 0 || broken.length > 0) && (
        <table className="settings-table stack-on-phone">
          <thead>
            <tr>
              <th>Name</th>
              <th>Description</th>
              <th>Inputs</th>
              {admin && <th />}
            </tr>
          </thead>
          <tbody>
            {data.playbooks.map((playbook) => (
              <tr key={playbook.name} data-playbook={playbook.name}>
                <td data-label="Name" className="mono">
                  {playbook.name}
                </td>
                <td data-label="Description">{playbook.description}</td>
                <td data-label="Inputs">
                  <PlaybookInputs inputs={playbook.inputs} />
                </td>
                {admin && (
                  <td>
                    <span className="row-actions">
                      <DeleteButton
                        onDelete={() => act(api.removePlaybook(playbook.name))}
                        onError={setActionError}
                      />
                    </span>
                  </td>
                )}
              </tr>
            ))}
            {broken.map((playbook) => (
              <tr key={playbook.name} data-playbook={playbook.name}>
                <td data-label="Name" className="mono">
                  {playbook.name}
                </td>
                <td data-label="Description" colSpan={2} className="warn-text">
                  {playbook.error}
                </td>
                {admin && (
                  <td>
                    <span className="row-actions">
                      <DeleteButton
                        onDelete={() => act(api.removePlaybook(playbook.name))}
                        onError={setActionError}
                      />
                    </span>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {admin ? (
        <form className="form settings-form" onSubmit={form.submit} noValidate aria-label="Add a playbook">
          <h3>Add or replace a playbook</h3>
          <ErrorBanner error={form.error} />
          <SettingsField
            form="playbook"
            name="name"
            label="Name"
            hint="lowercase letters, digits, _ and -; an existing name is replaced"
            error={form.fieldErrors.name}
          >
            <input className="mono" spellCheck={false} placeholder="dep-bump" {...form.input('name')} />
          </SettingsField>
          <SettingsField
            form="playbook"
            name="text"
            label="Playbook"
            hint="YAML front matter between --- lines, then the steps in markdown; {{input}} inserts an input"
            error={form.fieldErrors.text}
          >
            <textarea
              rows={10}
              className="mono"
              spellCheck={false}
              placeholder={EXAMPLE}
              {...form.input('text')}
            />
          </SettingsField>
          <div className="actions">
            <button type="submit" className="button primary" disabled={form.busy}>
              Save playbook
            </button>
          </div>
        </form>
      ) : (
        <p className="muted" data-testid="playbooks-admin-note">
          Only admins add, replace and remove server playbooks.
        </p>
      )}
    </section>
  );
}

/** Each input by name, required ones marked, with its description and default as a tooltip. */
function PlaybookInputs({ inputs }: { inputs: PlaybookInfo['inputs'] }) {
  const entries = Object.entries(inputs);
  if (entries.length === 0) return <span className="muted">none</span>;
  return (
    <span className="mono">
      {entries.map(([name, input], index) => (
        <span
          key={name}
          data-input={name}
          title={`${input.description}${input.default === undefined ? '' : ` (default: ${input.default})`}`}
        >
          {index > 0 && ', '}
          {name}
          {input.required && <abbr title="required">*</abbr>}
        </span>
      ))}
    </span>
  );
}
