import { useApi } from '../api-context.ts';
import { firstLine, formatWhen } from '../format.ts';
import { queryKeys } from '../query-client.ts';
import { navigate, sessionPath } from '../router.ts';
import type { NewScheduleInput, Schedule } from '../types.ts';
import { InlineCode } from './inline-code.tsx';
import { Link } from './link.tsx';
import {
  ErrorBanner,
  PauseStatus,
  REPO_SUGGESTIONS,
  RowActions,
  SettingsField,
  useSettingsForm,
  useSettingsList,
} from './settings-parts.tsx';

const EMPTY = { name: '', cron: '', timezone: 'UTC', repo: '', task: '', model: '' };

/** When a schedule runs next by its cron, and its latest run with a link to the session. */
function ScheduleRuns({ schedule }: { schedule: Schedule }) {
  const now = Date.now();
  return (
    <span className="schedule-runs">
      <span data-testid="next-run">
        next:{' '}
        {schedule.nextRunAt ? (
          <time dateTime={schedule.nextRunAt} title={new Date(schedule.nextRunAt).toLocaleString()}>
            {formatWhen(schedule.nextRunAt, now)}
          </time>
        ) : (
          <span className="muted">none while paused</span>
        )}
      </span>
      <span data-testid="last-run">
        last:{' '}
        {schedule.lastRun ? (
          <Link to={sessionPath(schedule.lastRun.sessionId)}>
            {formatWhen(schedule.lastRun.dueAt, now)}
            {schedule.lastRun.state ? ` · ${schedule.lastRun.state.replace('_', ' ')}` : ''}
          </Link>
        ) : (
          <span className="muted">never</span>
        )}
      </span>
    </span>
  );
}

/** Cron schedules: each runs a task on a repository; members add, pause, resume and delete them. */
export function ScheduleSettings() {
  const api = useApi();
  const { data, error, actionError, setActionError, reload, act } = useSettingsList(queryKeys.schedules, () =>
    api.listSchedules(),
  );
  const form = useSettingsForm('schedule', EMPTY, async (values) => {
    const input: NewScheduleInput = {
      name: values.name.trim(),
      cron: values.cron.trim(),
      timezone: values.timezone.trim() || 'UTC',
      repo: values.repo.trim(),
      task: values.task.trim(),
    };
    if (values.model.trim()) input.model = values.model.trim();
    await api.createSchedule(input);
    void reload();
  });

  return (
    <section className="settings-section" data-section="schedules">
      <h2>Schedules</h2>
      <ErrorBanner error={error ?? actionError} />
      {data && data.schedules.length === 0 && <div className="empty">No schedules yet.</div>}
      {data && data.schedules.length > 0 && (
        <table className="settings-table stack-on-phone">
          <thead>
            <tr>
              <th>Name</th>
              <th>When</th>
              <th>Repository</th>
              <th>Task</th>
              <th>Runs</th>
              <th>Status</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {data.schedules.map((schedule) => (
              <tr key={schedule.id} data-schedule={schedule.name}>
                <td className="mono" data-label="Name">
                  {schedule.name}
                </td>
                <td className="mono" data-label="When">
                  {schedule.cron} <span className="muted">{schedule.timezone}</span>
                </td>
                <td className="mono wrap-anywhere" data-label="Repository" title={schedule.repo}>
                  {schedule.repo}
                </td>
                <td data-label="Task" title={schedule.task}>
                  <InlineCode text={firstLine(schedule.task)} />
                </td>
                <td data-label="Runs">
                  <ScheduleRuns schedule={schedule} />
                </td>
                <td data-label="Status">
                  <PauseStatus paused={schedule.paused} reason={schedule.pausedReason} />
                </td>
                <td>
                  <span className="row-actions">
                    <button
                      type="button"
                      className="button ghost small"
                      onClick={() => {
                        api
                          .runSchedule(schedule.id)
                          .then((started) => {
                            void reload();
                            navigate(sessionPath(started.id));
                          })
                          .catch(setActionError);
                      }}
                    >
                      Run now
                    </button>
                    <RowActions
                      paused={schedule.paused}
                      onPause={(paused) => act(api.updateSchedule(schedule.id, { paused }))}
                      onDelete={() => act(api.deleteSchedule(schedule.id))}
                      onError={setActionError}
                    />
                  </span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form className="form settings-form" onSubmit={form.submit} noValidate aria-label="New schedule">
        <h3>New schedule</h3>
        <ErrorBanner error={form.error} />
        <div className="row">
          <SettingsField
            form="schedule"
            name="name"
            label="Name"
            hint="lowercase, dashes"
            error={form.fieldErrors.name}
          >
            <input className="mono" spellCheck={false} placeholder="nightly-deps" {...form.input('name')} />
          </SettingsField>
          <SettingsField form="schedule" name="cron" label="Cron" error={form.fieldErrors.cron}>
            <input className="mono" spellCheck={false} placeholder="0 3 * * *" {...form.input('cron')} />
          </SettingsField>
          <SettingsField form="schedule" name="timezone" label="Time zone" error={form.fieldErrors.timezone}>
            <input
              className="mono"
              spellCheck={false}
              placeholder="Europe/Berlin"
              {...form.input('timezone')}
            />
          </SettingsField>
        </div>
        <SettingsField
          form="schedule"
          name="repo"
          label="Repository"
          hint="a registered repository: owner/name or its path"
          error={form.fieldErrors.repo}
        >
          <input className="mono" spellCheck={false} list={REPO_SUGGESTIONS} {...form.input('repo')} />
        </SettingsField>
        <SettingsField form="schedule" name="task" label="Task" error={form.fieldErrors.task}>
          <textarea rows={3} {...form.input('task')} />
        </SettingsField>
        <SettingsField
          form="schedule"
          name="model"
          label="Model"
          hint="optional"
          error={form.fieldErrors.model}
        >
          <input className="mono" spellCheck={false} {...form.input('model')} />
        </SettingsField>
        <div className="actions">
          <button type="submit" className="button primary" disabled={form.busy}>
            Add schedule
          </button>
        </div>
      </form>
    </section>
  );
}
