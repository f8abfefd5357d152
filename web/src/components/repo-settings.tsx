import { useApi, useMe } from '../api-context.ts';
import { formatAge } from '../format.ts';
import { queryKeys } from '../query-client.ts';
import {
  DeleteButton,
  ErrorBanner,
  REPO_SUGGESTIONS,
  SettingsField,
  useSettingsForm,
  useSettingsList,
} from './settings-parts.tsx';

/**
 * The repositories sessions may run on (docs/api.md): everyone sees them, admins register and remove them.
 * Also the suggestions of the other settings forms' Repository fields.
 */
export function RepoSettings() {
  const api = useApi();
  const admin = useMe()?.role === 'admin';
  const { data, error, actionError, setActionError, reload, act } = useSettingsList(queryKeys.repos, () =>
    api.listRepos(),
  );
  const form = useSettingsForm('repo', { repo: '' }, async (values) => {
    await api.registerRepo(values.repo.trim());
    void reload();
  });

  return (
    <section className="settings-section" data-section="repos">
      <h2>Repositories</h2>
      <p className="muted">
        Sessions, schedules, webhooks and Slack channels run only on these. A repository's id, path or
        owner/name names it in the API. On a GitHub repository or a GitLab project, drydock reviews the pull
        (merge) requests opened or updated there when "review pull requests" is on (an{' '}
        <code>@drydock review</code> comment asks for one anyway).
      </p>
      <ErrorBanner error={error ?? actionError} />
      {data && data.repos.length === 0 && (
        <div className="empty">No registered repositories yet{admin ? '' : ': an admin registers them'}.</div>
      )}
      {data && data.repos.length > 0 && (
        <table className="settings-table stack-on-phone">
          <thead>
            <tr>
              <th>Repository</th>
              <th>Kind</th>
              <th>Review PRs</th>
              <th>Id</th>
              <th>Added</th>
              {admin && <th />}
            </tr>
          </thead>
          <tbody>
            {data.repos.map((repo) => (
              <tr key={repo.id} data-repo={repo.repo}>
                <td data-label="Repository" className="mono" title={repo.repo}>
                  {repo.repo}
                </td>
                <td data-label="Kind">
                  {repo.kind !== 'forge' ? 'local' : repo.repo.startsWith('gitlab:') ? 'GitLab' : 'GitHub'}
                </td>
                <td data-label="Review PRs">
                  {repo.kind !== 'forge' ? (
                    <span className="muted">—</span>
                  ) : admin ? (
                    <label className="check-field">
                      <input
                        type="checkbox"
                        name="review-pull-requests"
                        checked={repo.review.pullRequests}
                        onChange={(event) =>
                          act(
                            api.updateRepo(repo.id, { review: { pullRequests: event.target.checked } }),
                          ).catch(setActionError)
                        }
                      />{' '}
                      review pull requests
                    </label>
                  ) : (
                    <span data-testid="review-pull-requests">{repo.review.pullRequests ? 'on' : 'off'}</span>
                  )}
                </td>
                <td data-label="Id" className="mono muted">
                  {repo.id}
                </td>
                <td data-label="Added" className="muted" title={repo.createdAt}>
                  by {repo.addedBy}, {formatAge(repo.createdAt, Date.now())} ago
                </td>
                {admin && (
                  <td>
                    <span className="row-actions">
                      <DeleteButton
                        label="Remove"
                        onDelete={() => act(api.removeRepo(repo.id))}
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
      <datalist id={REPO_SUGGESTIONS}>
        {data?.repos.map((repo) => (
          <option key={repo.id} value={repo.repo} />
        ))}
      </datalist>
      {admin ? (
        <form
          className="form settings-form"
          onSubmit={form.submit}
          noValidate
          aria-label="Register a repository"
        >
          <h3>Register a repository</h3>
          <ErrorBanner error={form.error} />
          <SettingsField
            form="repo"
            name="repo"
            label="Repository"
            hint="the absolute path of a git repository on the server, owner/name on GitHub, gitlab:group/project on GitLab, gitea:owner/name on Gitea/Forgejo, or bitbucket:workspace/repo on Bitbucket"
            error={form.fieldErrors.repo}
          >
            <input className="mono" spellCheck={false} placeholder="/srv/repos/app" {...form.input('repo')} />
          </SettingsField>
          <div className="actions">
            <button type="submit" className="button primary" disabled={form.busy}>
              Register
            </button>
          </div>
        </form>
      ) : (
        <p className="muted" data-testid="repos-admin-note">
          Only admins register and remove repositories.
        </p>
      )}
    </section>
  );
}
