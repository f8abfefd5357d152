import { artifactPath } from '../core/binary-artifact.ts';

/** A screenshot the agent took, as the PR description links it. */
export interface Screenshot {
  /** The agent's name: `before-home`, `after-home`, `form`. */
  name: string;
  artifactId: string;
}

/**
 * The PR description's "Screenshots" section, empty without screenshots. `before-X` and `after-X`
 * pairs make a two-column table row (a missing side says so); other names are listed after. Links point
 * at drydock's artifact URLs (made absolute when published to a forge). Pure.
 */
export function screenshotsSection(sessionId: string, screenshots: readonly Screenshot[]): string {
  if (screenshots.length === 0) return '';
  const byName = new Map(screenshots.map((shot) => [shot.name, shot]));
  const image = (shot: Screenshot): string => `![${shot.name}](${artifactPath(sessionId, shot.artifactId)})`;
  const subjects = [
    ...new Set(
      screenshots.flatMap((shot) => {
        const match = /^(before|after)-(.+)$/.exec(shot.name);
        return match?.[2] === undefined ? [] : [match[2]];
      }),
    ),
  ];
  const paired = new Set(subjects.flatMap((subject) => [`before-${subject}`, `after-${subject}`]));
  const lines = ['## Screenshots'];
  if (subjects.length > 0) {
    lines.push('', '| | Before | After |', '| --- | --- | --- |');
    for (const subject of subjects) {
      const before = byName.get(`before-${subject}`);
      const after = byName.get(`after-${subject}`);
      lines.push(
        `| ${subject} | ${before ? image(before) : '(none)'} | ${after ? image(after) : '(none)'} |`,
      );
    }
  }
  const others = screenshots.filter((shot) => !paired.has(shot.name));
  if (others.length > 0) lines.push('', ...others.map((shot) => `${image(shot)}`));
  return lines.join('\n');
}
