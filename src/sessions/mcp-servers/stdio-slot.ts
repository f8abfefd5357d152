import type { McpServerHandle } from '../../agent/tools/mcp-tools.ts';
import type { McpServerConfig } from '../../environments/mcp-config.ts';
import type { ConnectedServer } from './connect-server.ts';

/**
 * A stdio server's place in a run: the handle the agent's tools hold stays the same while the process
 * behind it is replaced (a restored sandbox starts the server again). The tools offered are the ones
 * the server listed when the run started: the model's tool list does not change mid-run.
 */
export interface StdioSlot {
  readonly config: McpServerConfig;
  readonly handle: McpServerHandle;
  /**
   * Lets go of the current process (its client is closed) and puts in its place what `start` brings
   * up, or, when it answers a message instead, that message: every call's error until the next restart
   * (the model reads it). Never throws.
   */
  restart(start: () => Promise<ConnectedServer | string>): Promise<void>;
  /** Stops the current process. Idempotent. */
  close(): Promise<void>;
}

/**
 * `ready` is what a call waits for first: the run's latest restart (its queue of them), so no call
 * reaches a process that went with the old sandbox once drydock knows it is gone.
 */
export function stdioSlot(
  config: McpServerConfig,
  first: ConnectedServer,
  ready: () => Promise<void>,
): StdioSlot {
  let live: ConnectedServer | null = first;
  let failure = '';
  let ended = false;
  const letGo = async (): Promise<void> => {
    const old = live;
    live = null;
    await old?.close();
  };
  return {
    config,
    handle: {
      name: first.handle.name,
      tools: first.handle.tools,
      allows: first.handle.allows,
      async call(tool, args, signal) {
        // Until no restart is left: one that met another death has queued the next before it ends.
        for (let pending = ready(); ; ) {
          await pending;
          const latest = ready();
          if (latest === pending) break;
          pending = latest;
        }
        if (ended) throw new Error("the session's run ended, and its MCP servers with it.");
        if (live === null) throw new Error(failure);
        return live.handle.call(tool, args, signal);
      },
    },
    async restart(start) {
      await letGo();
      const next = await start().catch(
        (error: unknown) =>
          `it did not start again: ${error instanceof Error ? error.message : String(error)}`,
      );
      if (typeof next === 'string') failure = next;
      // Closed while it started: it must not be left running.
      else if (ended) await next.close();
      else live = next;
    },
    async close() {
      ended = true;
      await letGo();
    },
  };
}
