import { HookSettings } from './hook-settings.tsx';
import { LimitSettings } from './limit-settings.tsx';
import { PlaybookSettings } from './playbook-settings.tsx';
import { RepoSettings } from './repo-settings.tsx';
import { ScheduleSettings } from './schedule-settings.tsx';
import { SlackChannelSettings } from './slack-channel-settings.tsx';
import { TrackerSettings } from './tracker-settings.tsx';

/**
 * `/settings`: the repositories sessions may run on, what starts sessions without a person at the form
 * (docs/triggers.md), the server's playbooks (docs/playbooks.md) and spend limits (docs/cost.md).
 */
export function SettingsPage() {
  return (
    <section className="settings">
      <div className="toolbar">
        <h1>Settings</h1>
      </div>
      <RepoSettings />
      <ScheduleSettings />
      <SlackChannelSettings />
      <TrackerSettings />
      <HookSettings />
      <PlaybookSettings />
      <LimitSettings />
    </section>
  );
}
