import { z } from 'zod';

export const SEVERITIES = ['critical', 'major', 'minor', 'nit'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const findingInputSchema = z.object({
  file: z.string().min(1).describe('Path of the file, relative to the workspace root'),
  line: z.number().int().positive().optional().describe('Line in the changed file, when it applies'),
  severity: z
    .enum(SEVERITIES)
    .describe(
      'critical: wrong or unsafe, must not merge; major: a real defect; minor: worth fixing; nit: style',
    ),
  explanation: z.string().min(1).describe('What is wrong and why it matters'),
  suggestedFix: z.string().optional().describe('How to fix it'),
});

export type FindingInput = z.infer<typeof findingInputSchema>;

export interface Finding extends FindingInput {
  /** Stable within a session: "R<round>-<n>". */
  id: string;
  round: number;
}

/** The coder's answer to a finding. */
export interface FindingResponse {
  id: string;
  decision: 'fixed' | 'rejected';
  reason: string;
}

/** Findings that block delivery: critical or major. Pure. */
export function blockingFindings(findings: readonly Finding[]): Finding[] {
  return findings.filter((finding) => finding.severity === 'critical' || finding.severity === 'major');
}

export function formatFinding(finding: Finding): string {
  const where = finding.line ? `${finding.file}:${finding.line}` : finding.file;
  const fix = finding.suggestedFix ? ` Suggested fix: ${finding.suggestedFix}` : '';
  return `[${finding.id}] ${finding.severity} ${where}: ${finding.explanation}${fix}`;
}
