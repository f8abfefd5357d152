import { describeLimit, formatResetsAt, formatUsd } from '../../../src/core/spend-limits.ts';
import { useApi, useMe } from '../api-context.ts';
import { queryKeys } from '../query-client.ts';
import {
  DeleteButton,
  ErrorBanner,
  SettingsField,
  useSettingsForm,
  useSettingsList,
} from './settings-parts.tsx';

/**
 * Spend limits (docs/cost.md), for admins: what model calls may cost per UTC day or month, everywhere, on
 * one repository or for one creator, with what was spent under each and when it resets.
 */
export function LimitSettings() {
  const admin = useMe()?.role === 'admin';
  if (!admin) return null;
  return <LimitList />;
}

function LimitList() {
  const api = useApi();
  const { data, error, actionError, setActionError, reload, act } = useSettingsList(queryKeys.limits, () =>
    api.listLimits(),
  );
  const form = useSettingsForm('limit', { scope: 'global', period: 'day', amountUsd: '' }, async (values) => {
    await api.setLimit({
      scope: values.scope.trim(),
      period: values.period,
      amountUsd: Number(values.amountUsd.trim().replace(/^\$/, '')),
    });
    void reload();
  });

  return (
    <section className="settings-section" data-section="limits">
      <h2>Spend limits</h2>
      <p className="muted">
        What model calls may cost per UTC day or month. Each call is checked before it is made: a running
        session stops within one reply of a limit and bows out with its work kept; new sessions and follow-ups
        are refused until the limit resets or is raised.
      </p>
      <ErrorBanner error={error ?? actionError} />
      {data && data.limits.length === 0 && <div className="empty">No spend limits.</div>}
      {data && data.limits.length > 0 && (
        <table className="settings-table stack-on-phone">
          <thead>
            <tr>
              <th>Scope</th>
              <th>Period</th>
              <th>Spent</th>
              <th>Resets</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {data.limits.map((limit) => (
              <tr
                key={`${limit.source}:${limit.scope}:${limit.period}`}
                data-limit={`${limit.scope} ${limit.period}`}
                title={describeLimit(limit)}
              >
                <td data-label="Scope" className="mono">
                  {limit.scope}
                </td>
                <td data-label="Period">{limit.period === 'day' ? 'daily' : 'monthly'}</td>
                <td data-label="Spent" className={limit.spentUsd >= limit.amountUsd ? 'spent' : undefined}>
                  {formatUsd(limit.spentUsd)} of {formatUsd(limit.amountUsd)}
                </td>
                <td data-label="Resets" className="muted">
                  {formatResetsAt(limit.resetsAt)}
                </td>
                <td>
                  {limit.source === 'env' ? (
                    <span className="muted">set by the server’s environment</span>
                  ) : (
                    <span className="row-actions">
                      <DeleteButton
                        label="Remove"
                        onDelete={() => act(api.removeLimit(limit.scope, limit.period))}
                        onError={setActionError}
                      />
                    </span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form className="form settings-form" onSubmit={form.submit} noValidate aria-label="Set a spend limit">
        <h3>Set a limit</h3>
        <ErrorBanner error={form.error} />
        <SettingsField
          form="limit"
          name="scope"
          label="Scope"
          hint="global, repo:<path or owner/name>, or creator:<token:id, github:login, …>"
          error={form.fieldErrors.scope}
        >
          <input className="mono" spellCheck={false} {...form.input('scope')} />
        </SettingsField>
        <SettingsField form="limit" name="period" label="Period" error={form.fieldErrors.period}>
          <select {...form.input('period')}>
            <option value="day">per day (UTC)</option>
            <option value="month">per month (UTC)</option>
          </select>
        </SettingsField>
        <SettingsField
          form="limit"
          name="amountUsd"
          label="Amount"
          hint="USD"
          error={form.fieldErrors.amountUsd}
        >
          <input inputMode="decimal" placeholder="25" {...form.input('amountUsd')} />
        </SettingsField>
        <div className="actions">
          <button type="submit" className="button primary" disabled={form.busy}>
            Set limit
          </button>
        </div>
      </form>
    </section>
  );
}
