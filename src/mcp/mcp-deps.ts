import type { Logger } from '../server/logger.ts';
import type { ServerDeps } from '../server/server-deps.ts';
import type { StorePoller } from '../server/store-poller.ts';

/** What drydock's MCP server is wired with: the HTTP app's deps, with the store poller its follows use. */
export interface McpDeps extends ServerDeps {
  poller: StorePoller;
  log: Logger;
}
