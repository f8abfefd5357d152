import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isNotFound } from '../core/errors.ts';
import type { Tracker } from '../core/ports/tracker.ts';

/** A tracker under test, with a back door into its (fake) service. */
export interface TrackerHarness {
  tracker: Tracker;
  /** drydock's own user in the service. */
  selfId: string;
  /**
   * An issue in project or team `project`, titled `title`, described `description`, labelled `drydock`,
   * unassigned, in the workflow's starting state; its key (`ENG-1`, `PROJ-1`).
   */
  issueKey: string;
  project: string;
  title: string;
  description: string;
  /** Its state's name, as the service has it now. */
  stateOf(key: string): string;
  /** The comments posted on it, as plain text. */
  comments(key: string): string[];
  /** Agent activities posted (trackers with agent sessions: Linear), or absent. */
  activities?(): Array<{ agentSessionId: string; type: string; body: string }>;
  /** The links an agent session shows (trackers with agent sessions: Linear), or absent. */
  agentSessionLinks?(agentSessionId: string): Array<{ label: string; url: string }>;
  /** The next `requests` calls are refused as over the rate limit, asking to wait `seconds`. */
  rateLimit(requests: number, seconds: number): void;
  close(): Promise<void>;
}

/** The Tracker contract (src/core/ports/tracker.ts), run against every implementation. */
export function describeTrackerContract(name: string, setup: () => Promise<TrackerHarness>): void {
  describe(`Tracker contract: ${name}`, () => {
    let h: TrackerHarness;
    beforeEach(async () => {
      h = await setup();
    });
    afterEach(async () => {
      await h.close();
    });

    it('knows its own user, and reads an issue by key with its title, description, labels and state', async () => {
      expect((await h.tracker.self()).id).toBe(h.selfId);
      const issue = await h.tracker.readIssue(h.issueKey);
      expect(issue).toMatchObject({
        key: h.issueKey,
        title: h.title,
        description: h.description,
        labels: ['drydock'],
        assignee: null,
        project: h.project,
      });
      expect(issue.url).toMatch(/^https?:\/\//);
      expect(issue.url).toContain(h.issueKey);
      // By its id too.
      expect((await h.tracker.readIssue(issue.id)).key).toBe(h.issueKey);
    });

    it('refuses an issue that does not exist with tracker_issue_not_found', async () => {
      const error = await h.tracker.readIssue('NOPE-999').catch((caught: unknown) => caught);
      expect(isNotFound(error, 'tracker_issue_not_found')).toBe(true);
    });

    it('comments in plain text, links included', async () => {
      await h.tracker.comment(
        h.issueKey,
        'drydock is on it: https://drydock.example/sessions/s1\nsecond line',
      );
      expect(h.comments(h.issueKey)).toEqual([
        'drydock is on it: https://drydock.example/sessions/s1\nsecond line',
      ]);
    });

    it('moves an issue to a named state, case-insensitively, idempotently; false for a state the workflow lacks', async () => {
      expect(await h.tracker.moveTo(h.issueKey, 'in progress')).toBe(true);
      expect(h.stateOf(h.issueKey)).toBe('In Progress');
      expect(await h.tracker.moveTo(h.issueKey, 'In Progress')).toBe(true);
      expect(h.stateOf(h.issueKey)).toBe('In Progress');
      expect(await h.tracker.moveTo(h.issueKey, 'In Review')).toBe(true);
      expect(h.stateOf(h.issueKey)).toBe('In Review');
      expect(await h.tracker.moveTo(h.issueKey, 'Somewhere else')).toBe(false);
      expect(h.stateOf(h.issueKey)).toBe('In Review');
    });

    it('posts agent activities when the tracker has agent sessions, and has none to offer otherwise', async () => {
      if (!h.activities) {
        expect(h.tracker.agentActivity).toBeUndefined();
        return;
      }
      if (!h.tracker.agentActivity) throw new Error(`${name} lists activities but cannot post one`);
      await h.tracker.agentActivity('agent-session-1', 'thought', 'drydock is on it');
      await h.tracker.agentActivity('agent-session-1', 'response', 'drydock delivered');
      expect(h.activities()).toEqual([
        { agentSessionId: 'agent-session-1', type: 'thought', body: 'drydock is on it' },
        { agentSessionId: 'agent-session-1', type: 'response', body: 'drydock delivered' },
      ]);
    });

    it('links an agent session to drydock’s page when the tracker has agent sessions (a rate limit waited out), replacing the link', async () => {
      if (!h.agentSessionLinks) {
        expect(h.tracker.agentSessionUrl).toBeUndefined();
        return;
      }
      if (!h.tracker.agentSessionUrl) throw new Error(`${name} lists agent session links but cannot set one`);
      h.rateLimit(1, 0);
      await h.tracker.agentSessionUrl('agent-session-1', 'https://drydock.example/sessions/s1');
      expect(h.agentSessionLinks('agent-session-1')).toEqual([
        { label: 'drydock session', url: 'https://drydock.example/sessions/s1' },
      ]);
      await h.tracker.agentSessionUrl('agent-session-1', 'https://drydock.example/sessions/s2');
      expect(h.agentSessionLinks('agent-session-1')).toEqual([
        { label: 'drydock session', url: 'https://drydock.example/sessions/s2' },
      ]);
    });

    it('waits out a rate limit (Retry-After) and goes on; gives up with tracker_rate_limited past its attempts', async () => {
      h.rateLimit(1, 1);
      const started = Date.now();
      expect((await h.tracker.readIssue(h.issueKey)).key).toBe(h.issueKey);
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      h.rateLimit(100, 0);
      const error = await h.tracker.comment(h.issueKey, 'never posted').catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'tracker_rate_limited', transient: true });
      expect(h.comments(h.issueKey)).toEqual([]);
    });
  });
}
