import { useApi } from '../api-context.ts';
import { queryKeys } from '../query-client.ts';
import type { TrackerKind } from '../types.ts';
import {
  DeleteButton,
  ErrorBanner,
  REPO_SUGGESTIONS,
  SettingsField,
  useSettingsForm,
  useSettingsList,
} from './settings-parts.tsx';
import { TrackerConnections } from './tracker-connections.tsx';

const EMPTY = { tracker: 'linear', project: '', repo: '', started: 'In Progress', delivered: 'In Review' };
const NAMES: Record<TrackerKind, string> = { linear: 'Linear', jira: 'Jira' };

/** Linear teams and Jira projects: the repository their issues run on, and where drydock moves them. */
export function TrackerSettings() {
  const api = useApi();
  const { data, error, actionError, setActionError, reload, act } = useSettingsList(queryKeys.trackers, () =>
    api.listTrackers(),
  );
  const form = useSettingsForm('tracker', EMPTY, async (values) => {
    await api.putTrackerMapping({
      tracker: values.tracker === 'jira' ? 'jira' : 'linear',
      project: values.project.trim(),
      repo: values.repo.trim(),
      states: { started: values.started.trim(), delivered: values.delivered.trim() },
    });
    void reload();
  });

  return (
    <section className="settings-section" data-section="trackers">
      <h2>Trackers</h2>
      <p className="muted">
        An issue assigned to drydock in a Linear team or Jira project (or labelled <code>drydock</code> in
        Jira, or mentioning <code>@drydock</code> in Linear) runs on the repository mapped here; drydock moves
        it as the session starts and delivers.
      </p>
      {data && (
        <ul className="tracker-status">
          {data.trackers.map((tracker) => (
            <li key={tracker.tracker} data-tracker={tracker.tracker}>
              {NAMES[tracker.tracker]}:{' '}
              {tracker.configured ? (
                <span>
                  webhooks at <code>{tracker.webhookPath}</code>
                </span>
              ) : (
                <span className="muted">not connected</span>
              )}
            </li>
          ))}
        </ul>
      )}
      <TrackerConnections />
      <ErrorBanner error={error ?? actionError} />
      {data && data.mappings.length === 0 && <div className="empty">No teams or projects mapped yet.</div>}
      {data && data.mappings.length > 0 && (
        <table className="settings-table stack-on-phone">
          <thead>
            <tr>
              <th>Tracker</th>
              <th>Team / project</th>
              <th>Repository</th>
              <th>Started → delivered</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {data.mappings.map((mapping) => (
              <tr
                key={`${mapping.tracker}:${mapping.project}`}
                data-mapping={`${mapping.tracker}:${mapping.project}`}
              >
                <td data-label="Tracker">{NAMES[mapping.tracker]}</td>
                <td data-label="Team / project" className="mono">
                  {mapping.project}
                </td>
                <td data-label="Repository" className="mono" title={mapping.repo}>
                  {mapping.repo}
                </td>
                <td data-label="Started → delivered">
                  {mapping.states.started || <span className="muted">stays</span>} →{' '}
                  {mapping.states.delivered || <span className="muted">stays</span>}
                </td>
                <td>
                  <DeleteButton
                    onDelete={() => act(api.deleteTrackerMapping(mapping.tracker, mapping.project))}
                    onError={setActionError}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form className="form settings-form" onSubmit={form.submit} noValidate aria-label="New tracker mapping">
        <h3>Map a team or project</h3>
        <ErrorBanner error={form.error} />
        <div className="row">
          <SettingsField form="tracker" name="tracker" label="Tracker" error={form.fieldErrors.tracker}>
            <select {...form.input('tracker')}>
              <option value="linear">Linear</option>
              <option value="jira">Jira</option>
            </select>
          </SettingsField>
          <SettingsField
            form="tracker"
            name="project"
            label="Team or project key"
            hint="ENG, PROJ"
            error={form.fieldErrors.project}
          >
            <input className="mono" spellCheck={false} {...form.input('project')} />
          </SettingsField>
        </div>
        <SettingsField
          form="tracker"
          name="repo"
          label="Repository"
          hint="a registered repository: owner/name or its path"
          error={form.fieldErrors.repo}
        >
          <input className="mono" spellCheck={false} list={REPO_SUGGESTIONS} {...form.input('repo')} />
        </SettingsField>
        <div className="row">
          <SettingsField
            form="tracker"
            name="started"
            label="Move when started to"
            hint="empty: leave it"
            error={form.fieldErrors['states.started']}
          >
            <input {...form.input('started')} />
          </SettingsField>
          <SettingsField
            form="tracker"
            name="delivered"
            label="Move when delivered to"
            hint="empty: leave it"
            error={form.fieldErrors['states.delivered']}
          >
            <input {...form.input('delivered')} />
          </SettingsField>
        </div>
        <div className="actions">
          <button type="submit" className="button primary" disabled={form.busy}>
            Map
          </button>
        </div>
      </form>
    </section>
  );
}
