import { HookSettings } from './hook-settings.tsx';
import { LimitSettings } from './limit-settings.tsx';
import { RepoSettings } from './repo-settings.tsx';
import { ScheduleSettings } from './schedule-settings.tsx';
import { SlackChannelSettings } from './slack-channel-settings.tsx';
import { TrackerSettings } from './tracker-settings.tsx';

/**
 * `/settings`: the repositories sessions may run on, and what starts sessions without a person at the form
 * (docs/triggers.md).
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
      <LimitSettings />
    </section>
  );
}
