/** `--reasoning` on run, up, worker and eval (parsed with the model settings: src/models/reasoning.ts). */
export const REASONING_HELP =
  "how hard models think: off, low, medium or high (default: $DRYDOCK_REASONING, else the provider's; one role: DRYDOCK_REASONING_<ROLE>)";
