/**
 * Cuts text longer than maxChars, keeping the head and the tail (errors tend to be at the end),
 * with a note saying how much was left out and where to find it.
 */
export function truncateOutput(text: string, maxChars: number): { text: string; truncated: boolean } {
  if (text.length <= maxChars) return { text, truncated: false };
  const headChars = Math.floor(maxChars * 0.4);
  const tailChars = maxChars - headChars;
  const omitted = text.length - headChars - tailChars;
  const note = `\n[... ${omitted} characters truncated; the full output is kept as an artifact of this session ...]\n`;
  return { text: text.slice(0, headChars) + note + text.slice(text.length - tailChars), truncated: true };
}
