import type { AttemptsChoice } from './attempts.ts';
import type { SessionKind, Usage } from './session.ts';
import type { SessionState } from './session-state.ts';
import type { TodoItem } from './todo.ts';

/** Which agent an agent event belongs to; absent means the coder. */
export type AgentRole = 'coder' | 'reviewer' | 'manager' | 'judge';

/** A picture a tool call made (a browser screenshot), stored as a PNG artifact of the session. */
export interface ToolImage {
  /** The name the agent gave it (`before-home`, `after-home`). */
  name: string;
  artifactId: string;
}

/** One check's result as the event log keeps it (the full output is an artifact). */
export interface CheckSummary {
  name: string;
  command: string;
  exitCode: number | null;
  timedOut: boolean;
  /** Test counts when the output was parsed; null when it was not. */
  tests: { passed: number; failed: number; skipped: number } | null;
  /** Diagnostics counted in the output (typecheck, lint). */
  diagnostics: number | null;
  durationMs: number;
  /** The last lines of the output. */
  outputTail: string;
  outputArtifactId?: string;
  /** Why per-test results are unknown when drydock asked the runner for a report and got none it could read. */
  testsUnreadable?: string;
}

export interface ReviewFinding {
  id: string;
  round: number;
  file: string;
  line?: number;
  severity: 'critical' | 'major' | 'minor' | 'nit';
  explanation: string;
  suggestedFix?: string;
  /**
   * A review of an existing change (a `review` session, docs/review.md): what drydock ran to support a
   * critical or major finding, what it printed, and whether it showed the defect. Absent: no evidence
   * was asked for (minor, nit) or none was given.
   */
  evidence?: FindingEvidence;
  /** The severity the reviewer gave, when drydock lowered it for want of evidence (docs/review.md). */
  downgradedFrom?: 'critical' | 'major';
}

/** What backs a finding: a command drydock ran in the sandbox (or a check of the gate) and its output. */
export interface FindingEvidence {
  command: string;
  output: string;
  /** True when the command showed the defect the finding claims (it failed as the reviewer said it would). */
  verified: boolean;
  /** The command's exit code; null when it did not run to the end (timed out, killed). */
  exitCode?: number | null;
}

/**
 * The session event log: ordered, numbered, durable. Every client (CLI, web UI, API, integrations)
 * reads the same log. `data` is plain JSON.
 */
export type EventData =
  | {
      type: 'session.created';
      task: string;
      repo: string;
      ref: string;
      model: string;
      /** The smart friend's model, when the session has one. */
      friendModel?: string;
      /** The session's kind and parent, when it is not a plain session (see Session.kind). */
      kind?: SessionKind;
      parentId?: string;
      /** An attempts session's model specs, one per attempt. */
      attemptModels?: string[];
    }
  | { type: 'state.changed'; from: SessionState; to: SessionState; reason?: string }
  | {
      type: 'workspace.ready';
      baseCommit: string;
      path: string;
      sandbox: string;
      /** The host uid the sandbox's processes run as (so own what the agent creates), where the provider says. */
      hostUid?: number;
      /** Layered workspaces: whether the sandbox was handed over started from the warm pool. */
      warm?: boolean;
    }
  | {
      type: 'model.response';
      step: number;
      text: string;
      toolCalls: number;
      usage: Usage;
      durationMs: number;
      /** Why the model stopped: `tool-calls`, `stop`, `length` (cut off), `content-filter`, … */
      finishReason?: string;
      role?: AgentRole;
    }
  /**
   * A model's reply as it streams, for live viewers: the text and the reasoning added since the last
   * delta of the same step and attempt, batched (about four a second). Never read back: the step's
   * `model.response` is its record, and a resumed session ignores deltas.
   */
  | {
      type: 'model.delta';
      step: number;
      /** The attempt they belong to, from 1: a retry starts the reply again (`model.retry` `superseded`). */
      attempt: number;
      text?: string;
      reasoning?: string;
      role?: AgentRole;
    }
  | { type: 'model.error'; step: number; message: string; role?: AgentRole }
  /** A model call failed in a way worth retrying (429, 529, 5xx, timeout, lost connection): drydock waits `waitMs`. */
  | {
      type: 'model.retry';
      step: number;
      /** The attempt that failed, from 1. */
      attempt: number;
      waitMs: number;
      message: string;
      /** The HTTP status, when the provider answered. */
      status?: number;
      /** The failed attempt had streamed part of a reply (`model.delta`): it is void, the next starts over. */
      superseded?: boolean;
      role?: AgentRole;
    }
  | {
      type: 'tool.call';
      step: number;
      toolCallId: string;
      tool: string;
      input: unknown;
      /** What drydock put right in a call the model wrote badly (a misspelt tool name, almost-JSON arguments). */
      repaired?: string;
      role?: AgentRole;
    }
  /**
   * What a running command (`bash`) printed since the last batch, for live viewers: stdout and stderr
   * in the order they arrived, redacted as a stream, about four a second. Capped per call (the start,
   * then, when the command ends, a truncation marker and the end). Never read back: the call's
   * `tool.result` is its record.
   */
  | {
      type: 'tool.output';
      step: number;
      toolCallId: string;
      text: string;
      role?: AgentRole;
    }
  | {
      type: 'tool.result';
      step: number;
      toolCallId: string;
      tool: string;
      isError: boolean;
      /** A one-line summary for progress displays. */
      summary: string;
      /** The output the model saw (possibly truncated). */
      output: string;
      /** Set when the full output was kept as an artifact because it was truncated. */
      artifactId?: string;
      /** Screenshots the call took (`browser`), each a PNG artifact of the session. */
      images?: ToolImage[];
      durationMs: number;
      role?: AgentRole;
    }
  | {
      type: 'context.compacted';
      step: number;
      removedMessages: number;
      tokensBefore: number;
      tokensAfter: number;
    }
  | {
      /**
       * The smart friend answered: asked by the coder (`ask_friend`, with `files` it named) or by drydock
       * itself after repeated gate failures (`trigger: 'gate'`, at gate round `round`).
       */
      type: 'friend.consulted';
      trigger: 'tool' | 'gate';
      round?: number;
      model: string;
      question: string;
      files?: string[];
      /** The start of the answer; the whole of it is in the coder's conversation. */
      answer: string;
      usage: Usage;
      durationMs: number;
    }
  | { type: 'agent.stopped'; step: number; outcome: string; detail: string; role?: AgentRole }
  /** The agent's plan as its `todo` tool call left it: the whole list, replacing the previous one. */
  | { type: 'todo.updated'; step: number; items: TodoItem[]; role?: AgentRole }
  | {
      type: 'checks.detected';
      /** `label`: how people name the check (the runner call as written), when it differs from `command`. */
      checks: Array<{
        name: string;
        command: string;
        label?: string;
        source: string;
        runner?: string;
        note?: string;
      }>;
      /** What people should know about the setup the checks run in (the sandbox's Node against `engines`). */
      notes?: string[];
    }
  | { type: 'checks.completed'; phase: 'baseline' | 'after'; round: number; checks: CheckSummary[] }
  | {
      type: 'gate.verdict';
      round: number;
      passed: boolean;
      /** Why the gate did not pass, one line each; empty when it passed. */
      problems: string[];
      warnings: string[];
      /** Checks whose per-test results could not be read, judged by exit code instead. */
      detectionErrors?: string[];
      failToPass: string[];
      passToPass: number;
    }
  | {
      type: 'review.completed';
      round: number;
      approved: boolean;
      summary: string;
      findings: ReviewFinding[];
      /** A review of an existing change: findings whose evidence drydock verified, and those it dropped. */
      verified?: number;
      dropped?: number;
    }
  /** A review session took the change it reviews (base..head of the user's repository) into its workspace. */
  | { type: 'change.taken_in'; baseCommit: string; headCommit: string; files: string[] }
  | {
      type: 'delivery.committed';
      commit: string;
      filesChanged: number;
      insertions: number;
      deletions: number;
    }
  | { type: 'delivery.branch'; branch: string; repo: string; commit: string }
  /**
   * The pull (merge) request a session delivered was merged or closed unmerged on its forge, as the
   * forge reported it (a webhook or a poll): what analytics count as merged changes. `by` is who did it
   * (`github:<login>`, `gitlab:<username>`), when the forge says.
   */
  | { type: 'pull.closed'; url: string; number: number; merged: boolean; by?: string }
  /**
   * Findings this review session posted on a pull request were acted on, as drydock learned it
   * (docs/review.md, "Acted on"): a later review of the pull request no longer found them and resolved their
   * threads (`how: 'gone'`), or a `@drydock fix this` session pushed its fix onto the pull request (`how:
   * 'fixed'`). `keys` are the findings' keys as their comments carry them (file + a hash of the explanation);
   * `by` is that later review or fix session, `commit` the head it reviewed or pushed. Analytics count each
   * key once, however often it is recorded.
   */
  | {
      type: 'review.findings_resolved';
      keys: string[];
      how: 'gone' | 'fixed';
      by: string;
      commit: string;
    }
  /** A parent (attempts, a manager) created a child session; the child's own log tells its run. */
  | { type: 'child.spawned'; childId: string; kind: 'attempt' | 'child'; task: string; model: string }
  /** A child ended (its state and reason as on the child). */
  | { type: 'child.ended'; childId: string; state: SessionState; reason: string | null }
  /** A child's change was taken into this session's workspace; `conflicts` hold conflict markers. */
  | { type: 'child.integrated'; childId: string; files: string[]; conflicts: string[] }
  /** An attempts session chose its winner (or found no candidate): see AttemptsChoice. */
  | ({ type: 'attempts.chosen' } & AttemptsChoice)
  | {
      type: 'environment.planned';
      source: 'config' | 'detected' | 'none';
      description: string;
      setup: string[];
      start: string[];
      /** What the repository says about its Node (package.json engines.node, .nvmrc, .node-version), when it does. */
      node?: Array<{ source: string; requirement: string }>;
      /**
       * The image the sandbox runs on (`.devcontainer/devcontainer.json` or `.drydock/config.yaml`):
       * as declared, the digest it resolved to, the layer its root is, and whether this session
       * unpacked it (false: a record had it). Absent: the host's system.
       */
      image?: { reference: string; digest: string; layer: string; unpacked: boolean };
    }
  /** A step of obtaining the declared image, as it starts (resolving, pulling or building, unpacking, storing). */
  | {
      type: 'environment.obtaining';
      step: 'resolving' | 'pulling' | 'building' | 'unpacking' | 'storing';
      source: string;
    }
  | {
      type: 'environment.image';
      imageId: string;
      /** False when this session built it. */
      reused: boolean;
      reason: string;
      /** Setup time spent by this session: 0 when it reused the image. */
      setupMs: number;
      logArtifactId?: string;
    }
  | { type: 'environment.building'; reason: string; commands: string[] }
  | { type: 'environment.command'; index: number; total: number; command: string }
  | { type: 'environment.setup'; commands: string[]; inPlace: true; reason: string; durationMs: number }
  /**
   * The start commands ran. `separated` (when they had secrets): their processes are hidden from the
   * agent's (a PID namespace of their own), so the agent cannot read those secrets in their environment.
   */
  | { type: 'environment.started'; commands: string[]; durationMs: number; separated?: boolean }
  | { type: 'network.blocked'; host: string; port: number }
  /**
   * A repository's MCP server is up (docs/mcp.md): `stdio` in the sandbox, `remote` called by the
   * control plane. `tools` are the ones the agent is offered (namespaced `mcp__<server>__<tool>`),
   * `denied` those the repository's allow/deny lists keep from it.
   */
  | { type: 'mcp.started'; server: string; transport: 'stdio' | 'remote'; tools: string[]; denied: string[] }
  /**
   * A server that is not there for this run: `refused` by policy or config, or it `failed` to start; also
   * a stdio server that does not come back when a restored sandbox replaces a dead one (`refused` past
   * the restarts a run allows). The session goes on without it.
   */
  | {
      type: 'mcp.failed';
      server: string;
      transport: 'stdio' | 'remote';
      reason: 'refused' | 'failed';
      message: string;
    }
  /** The agent called a server's tool: `args` as JSON, truncated; `ok` false for an error result or a refused call. */
  | {
      type: 'mcp.call';
      server: string;
      tool: string;
      args: string;
      ok: boolean;
      durationMs: number;
      role?: AgentRole;
    }
  /** The sandbox died and a new one was started on the workspace's last snapshot (`fromLayers`). */
  | { type: 'sandbox.restored'; fromLayers: string[]; reason: string }
  /**
   * A follow-up from a person: read by the agent at its next step, or opening a new turn. `by` and
   * `byName` say who sent it (an actor id such as `token:<id>`, `github:<login>`, `slack:<user>`, and its
   * display name); absent on events recorded before drydock attributed them, or when no one is known.
   */
  | { type: 'message.received'; text: string; by?: string; byName?: string }
  /**
   * Someone asked to cancel the session (`by`/`byName` as for messages): a worker running it aborts the
   * run at its next check.
   */
  | { type: 'cancel.requested'; by?: string; byName?: string }
  /** The worker running the session stopped (SIGTERM) after a saved step; another worker resumes it from there. */
  | { type: 'session.handed_off'; state: SessionState }
  | { type: 'session.error'; code: string; message: string }
  /** Repository knowledge drydock proposed (pending) from this session when it ended (docs/knowledge.md). */
  | { type: 'knowledge.proposed'; ids: string[] }
  /**
   * Approved knowledge given to the coder or the reviewer (docs/knowledge.md): the items' ids, most
   * relevant first, and the items left out because files they name are gone at the base commit.
   */
  | { type: 'knowledge.retrieved'; role: 'coder' | 'reviewer'; ids: string[]; stale: string[] }
  /**
   * The session's task is a playbook (docs/playbooks.md): which one, from where, the inputs it was run
   * with (defaults filled in), and the steps that seed the coder's plan (`todo`).
   */
  | {
      type: 'playbook.applied';
      name: string;
      source: 'repo' | 'server';
      inputs: Record<string, string>;
      steps: string[];
    };

export type EventType = EventData['type'];

export interface SessionEvent {
  sessionId: string;
  /** 1-based, gap-free within a session. */
  seq: number;
  at: string;
  data: EventData;
}
