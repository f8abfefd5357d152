import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { describeConnection, hiddenPrompt, readTrackerSecrets } from './trackers.ts';

async function* lines(text: string) {
  yield Buffer.from(text);
}

/** A terminal's stdin as the prompt uses it: raw mode, data events; records the raw-mode switches. */
function fakeTerminal() {
  const input = Object.assign(new EventEmitter(), {
    raw: [] as boolean[],
    setRawMode(on: boolean) {
      input.raw.push(on);
      return input;
    },
    resume: () => input,
    pause: () => input,
  });
  let shown = '';
  const output = {
    write(text: string) {
      shown += text;
      return true;
    },
  };
  return { input, output, shown: () => shown };
}

describe('readTrackerSecrets', () => {
  it('reads one secret per stdin line in the tracker’s order; an empty line keeps the stored one', async () => {
    expect(await readTrackerSecrets('linear', { lines: lines('key\nwhsec\n'), prompt: null })).toEqual({
      apiKey: 'key',
      webhookSecret: 'whsec',
    });
    expect(await readTrackerSecrets('jira', { lines: lines('\nwhsec\n'), prompt: null })).toEqual({
      webhookSecret: 'whsec',
    });
    await expect(readTrackerSecrets('jira', { lines: lines('a\nb\nc\n'), prompt: null })).rejects.toThrow(
      'stdin has 3 lines; Jira takes 2: Jira API token, then webhook signing secret.',
    );
  });

  it('on a terminal asks for each without echoing what is typed', async () => {
    const terminal = fakeTerminal();
    const prompt = hiddenPrompt(
      terminal.input as unknown as NodeJS.ReadStream,
      terminal.output as unknown as NodeJS.WriteStream,
    );
    const secrets = readTrackerSecrets('linear', { lines: lines(''), prompt });
    // Typed with a backspace, then Enter; then the second answer.
    await new Promise((resolve) => setImmediate(resolve));
    terminal.input.emit('data', Buffer.from('lin_x\u007fapi_key\r'));
    await new Promise((resolve) => setImmediate(resolve));
    terminal.input.emit('data', Buffer.from('whsec\r'));
    expect(await secrets).toEqual({ apiKey: 'lin_api_key', webhookSecret: 'whsec' });
    expect(terminal.shown()).toContain('Linear API key (empty: keep the stored one): ');
    expect(terminal.shown()).not.toContain('lin_');
    expect(terminal.shown()).not.toContain('whsec');
    expect(terminal.input.raw).toEqual([true, false, true, false]);
  });
});

describe('describeConnection', () => {
  it('shows where a connection comes from and which secrets are set, never a value', () => {
    expect(
      describeConnection({
        tracker: 'jira',
        source: 'stored',
        settings: { url: 'https://acme.atlassian.net', label: 'drydock' },
        secretsSet: ['apiToken', 'webhookSecret'],
        updatedBy: 'admin',
        updatedAt: '2026-12-05T09:00:00.000Z',
        webhookPath: '/webhooks/jira',
      }),
    ).toBe(
      'stored  url=https://acme.atlassian.net  label=drydock  secrets set: apiToken, webhookSecret  by admin at 2026-12-05T09:00:00.000Z',
    );
  });
});
