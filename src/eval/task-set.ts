/** Placeholder: replaced by the task-set reader (branch evaltasks). */
export interface EvalTask {
  instanceId: string;
  repo: string;
  baseCommit: string;
  problemStatement: string;
  patch: string;
  testPatch: string;
  failToPass: string[];
  passToPass: string[];
  hintsText?: string;
  setup?: string[];
  testCommand?: string;
  source: 'swe-bench' | 'multi-swe-bench' | 'swe-polybench';
}
