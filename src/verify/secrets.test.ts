import { describe, expect, it } from 'vitest';
import { findSecrets, shannonEntropy } from './secrets.ts';

// Token-shaped strings are assembled at run time so this file holds none for scanners to flag.
const repeat = (unit: string, length: number) =>
  unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
const MIXED = 'aB3dE5gH7jK9mN1pQ2rS4tU6vW8xY0z';

describe('findSecrets', () => {
  it.each([
    [
      'AWS access key id',
      `const id = "${'AKIA'}${'Q7ZL4XHJ2MWN5RVT'}";`,
      'AWS access key id',
      'AKIA…(20 chars)',
    ],
    [
      'AWS secret access key',
      `aws_secret_access_key = ${repeat('wJalrXUtnF/K7MDENGbPxRfiCY1zQ', 40)}`,
      'AWS secret access key',
      'aws_secret_access_key = …(64 chars)',
    ],
    [
      'private key block',
      `-----BEGIN ${'RSA PRIVATE'} KEY-----`,
      'private key block',
      `-----BEGIN ${'RSA PRIVATE'} KEY-----`,
    ],
    ['GitHub token', `token: ghp_${repeat(MIXED, 36)}`, 'GitHub token', 'ghp_…(40 chars)'],
    [
      'GitHub fine-grained token',
      `github_pat_${repeat(MIXED, 82)}`,
      'GitHub fine-grained token',
      'github_pat_…(93 chars)',
    ],
    ['Slack bot token', `xoxb-${'1234567890'}-${repeat(MIXED, 24)}`, 'Slack token', 'xoxb-…(40 chars)'],
    [
      'Anthropic key',
      `ANTHROPIC_API_KEY=sk-ant-api03-${repeat(MIXED, 93)}AA`,
      'Anthropic API key',
      'sk-ant-api03-…(108 chars)',
    ],
    ['OpenAI project key', `key = 'sk-proj-${repeat(MIXED, 48)}'`, 'OpenAI API key', 'sk-proj-…(56 chars)'],
    [
      'generic high-entropy password',
      `db.password = "${'Zq8#vL2!mR9xT4kW'}"`,
      'high-entropy value assigned to a secret-named key',
      'db.password = "Zq…(16 chars)"',
    ],
  ])('%s', (_name, line, kind, redacted) => {
    expect(findSecrets(line)).toEqual([{ kind, redacted }]);
  });

  it.each([
    ['the documented AWS example key', `const id = "${'AKIAIOSFODNN7'}EXAMPLE";`],
    ['an OpenAI-shaped placeholder', 'apiKey: "sk-this-is-not-a-real-key-only-a-placeholder"'],
    ['a password read from the environment', 'password = process.env.DB_PASSWORD'],
    ['a placeholder password', 'password = "changeme-please-now"'],
    ['a low-entropy password', 'password = "aaaaaaaaaaaaaaaa"'],
    ['a short password', 'password = "Zq8#vL2!"'],
    ['a template', `token = "${'$'}{GITHUB_TOKEN_FROM_ENV}"`],
    ['a public key', `-----BEGIN ${'PUBLIC'} KEY-----`],
    ['a word that contains "token"', 'const tokenizer = new Tokenizer("whitespace-split");'],
    ['a git commit id', 'commit = "3f1c2e9a7b6d5c4e3f2a1b0c9d8e7f6a5b4c3d2e"'],
  ])('ignores %s', (_name, line) => {
    expect(findSecrets(line)).toEqual([]);
  });
});

describe('shannonEntropy', () => {
  it.each([
    ['', 0],
    ['aaaa', 0],
    ['abab', 1],
    ['abcd', 2],
  ])('%s: %d bits per character', (text, bits) => {
    expect(shannonEntropy(text)).toBeCloseTo(bits);
  });
});
