import { describe, expect, it } from 'vitest';
import { forgeKey, originKey, originPrefix } from './forge-link.ts';

describe('forge link keys', () => {
  it("keeps GitHub's keys as they were: issues and pull requests share numbers", () => {
    expect(forgeKey('acme/app', 7)).toBe('github:acme/app#7');
    expect(forgeKey('acme/app', 7, 'pull')).toBe('github:acme/app#7');
    expect(originKey('acme/app', 's1')).toBe('github:acme/app@s1');
  });
  it('tells GitLab issues (#) from merge requests (!), which GitLab numbers apart', () => {
    expect(forgeKey('gitlab:acme/platform/app', 7)).toBe('gitlab:acme/platform/app#7');
    expect(forgeKey('gitlab:acme/platform/app', 7, 'pull')).toBe('gitlab:acme/platform/app!7');
    expect(originKey('gitlab:acme/platform/app', 's1')).toBe('gitlab:acme/platform/app@s1');
    expect(originPrefix('gitlab:acme/app')).toBe('gitlab:acme/app@');
  });
  it('writes Gitea keys like GitLab ones, prefixed by their forge', () => {
    expect(forgeKey('gitea:acme/app', 7)).toBe('gitea:acme/app#7');
    expect(forgeKey('gitea:acme/app', 8, 'pull')).toBe('gitea:acme/app!8');
    expect(originPrefix('gitea:acme/app')).toBe('gitea:acme/app@');
  });
});
