import type { AgentState } from '../../agent/agent-state.ts';
import { runAgent } from '../../agent/loop.ts';
import { managerSystemPrompt } from '../../agent/manager-prompt.ts';
import { createChildTools } from '../../agent/tools/children.ts';
import { addUsage } from '../../core/session.ts';
import { agentChecks } from '../agent-checks.ts';
import { readRepoInstructions, sessionAgentHost, sessionTools } from '../phase-work.ts';
import { afterAgent, type PhaseResult } from '../phases.ts';
import { type SessionRun, save } from '../session-run.ts';
import { DEFAULT_MAX_CHILDREN, managerBudget } from './child-budget.ts';
import { ManagerDesk } from './child-desk.ts';

/**
 * working, for a session of kind `manager` (docs/attempts.md): the manager's loop (model role
 * `manager`) with the coding tools, to integrate and resolve in its own workspace, and the child tools.
 * Its children run in this run (run.children); a resumed manager runs its live children again before
 * its conversation goes on. When its loop ends, children still running are cancelled and every child's
 * cost is in the manager's usage; then the whole change goes through the gate and the reviewer as any
 * session's does.
 */
export async function workAsManager(run: SessionRun): Promise<PhaseResult> {
  const desk = new ManagerDesk(run, { maxChildren: run.deps.maxChildren ?? DEFAULT_MAX_CHILDREN });
  await desk.relaunch();
  run.checkpoint.agent = await runManager(run, desk, run.checkpoint.agent);
  const { outcome } = run.checkpoint.agent;
  // Handed off: the children stopped with this run and resume with it.
  if (outcome === null) return { kind: 'paused' };
  const { usage, events } = await desk.endLive();
  if (usage || events.length > 0) {
    const { agent } = run.checkpoint;
    run.checkpoint = {
      ...run.checkpoint,
      agent: usage ? { ...agent, usage: addUsage(agent.usage, usage) } : agent,
    };
    await save(run, events);
  }
  return afterAgent(outcome);
}

async function runManager(run: SessionRun, desk: ManagerDesk, state: AgentState): Promise<AgentState> {
  const maxChildren = run.deps.maxChildren ?? DEFAULT_MAX_CHILDREN;
  const { tools } = sessionTools(run);
  for (const tool of createChildTools(desk)) tools.set(tool.name, tool);
  return runAgent({
    coder: run.router.resolve('manager'),
    summarizer: run.router.resolve('summarizer'),
    system: managerSystemPrompt({
      workdir: run.sandbox.workdir,
      maxChildren,
      ...(await readRepoInstructions(run.view).then((text) =>
        text === undefined ? {} : { repoInstructions: text },
      )),
    }),
    tools,
    sandbox: run.sandbox,
    redact: run.redact,
    // The run's cost less what live children may still spend: the tree stays under --max-cost.
    budget: managerBudget(run.deps.budget, () => run.checkpoint.children ?? {}),
    state,
    signal: run.signal,
    ...(run.handOff ? { pause: run.handOff } : {}),
    runChecks: agentChecks(run),
    host: sessionAgentHost(run),
  });
}
