import type { EnvironmentImage } from '../core/ports/store.ts';

export interface RebuildInput {
  /** The newest image with this repository's current inputs hash and runtime, if any. */
  match: EnvironmentImage | null;
  /** The newest image of the repository whatever its key, to say why it does not fit. */
  latest: EnvironmentImage | null;
  inputsHash: string;
  runtimeVersion: string;
  nowMs: number;
  maxAgeMs: number;
  /** Whether every layer of `match` is still in the layer store. */
  layersPresent: boolean;
  /** `drydock env build` asks for a new image whatever the state. */
  force?: boolean;
}

export type RebuildDecision =
  | { action: 'reuse'; image: EnvironmentImage; reason: string }
  | { action: 'build'; reason: string };

/** Whether a session starts from an existing environment image or builds a new one, and why. Pure. */
export function decideRebuild(input: RebuildInput): RebuildDecision {
  if (input.force) return { action: 'build', reason: 'a rebuild was asked for' };
  const { match, latest } = input;
  if (!match) {
    if (!latest) return { action: 'build', reason: 'no image yet for this repository' };
    if (latest.runtimeVersion !== input.runtimeVersion) {
      return {
        action: 'build',
        reason: `drydock's runtime changed (${latest.runtimeVersion} → ${input.runtimeVersion})`,
      };
    }
    return { action: 'build', reason: 'the setup inputs changed (lockfiles, setup commands or config)' };
  }
  const ageMs = input.nowMs - Date.parse(match.createdAt);
  if (ageMs > input.maxAgeMs) {
    return {
      action: 'build',
      reason: `the image is ${formatAge(ageMs)} old, older than the maximum of ${formatAge(input.maxAgeMs)}`,
    };
  }
  if (!input.layersPresent)
    return { action: 'build', reason: "the image's layers are gone from this machine" };
  return { action: 'reuse', image: match, reason: `image ${match.id} is current (${formatAge(ageMs)} old)` };
}

/** `42 s`, `5 min`, `3 h`, `2 days`: an age for people. Pure. */
export function formatAge(ms: number): string {
  if (ms < 60_000) return `${Math.max(0, Math.round(ms / 1000))} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  if (ms < 172_800_000) return `${Math.round(ms / 3_600_000)} h`;
  return `${Math.round(ms / 86_400_000)} days`;
}
