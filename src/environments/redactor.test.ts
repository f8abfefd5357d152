import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { placeholdersIn } from '../core/redaction.ts';
import { createStreamingRedactor } from '../core/streaming-redactor.ts';
import { createRedactor } from './redactor.ts';
import { secretForms } from './secret-forms.ts';

const SECRET = 'pw-7f3a9c2e1b+/?&= x';
const redact = createRedactor([{ name: 'DB_PASSWORD', value: SECRET }]);
const bytes = Buffer.from(SECRET);
const b64 = (buffer: Buffer) => buffer.toString('base64');
const urlSafe = (text: string) => text.replaceAll('+', '-').replaceAll('/', '_');
/** Wraps at `columns` characters, as `base64` (76) and `xxd -p` (60) print. */
const wrap = (text: string, columns: number) => text.match(new RegExp(`.{1,${columns}}`, 'g'))!.join('\n');
const unwrap = (text: string) => text.replace(/\r?\n/g, '');
/** Every 6-character piece of every form of the secret that `text` holds: none may survive redaction. */
const leaks = (text: string) =>
  secretForms(SECRET).flatMap(({ text: form }) =>
    Array.from({ length: form.length - 5 }, (_, at) => form.slice(at, at + 6)).filter((piece) =>
      unwrap(text).includes(piece),
    ),
  );

describe('secretForms', () => {
  it('lists the raw value, base64 at three alignments in two alphabets, hex in two cases, URL encodings', () => {
    const forms = secretForms('ab?d');
    expect(forms.map((form) => `${form.form} ${form.text}`).sort()).toEqual(
      [
        'raw ab?d',
        'base64 YWI/ZA==', // alone, padded
        'base64 YWI/ZA', // alone, unpadded
        'base64 YWI/Z', // at offset 0 of a stream: what the 4 bytes alone determine
        'base64 FiP2', // offset 1: base64(00 61 62 3f 64) = AGFiP2Q=, characters 2 to 5
        'base64 hYj9k', // offset 2: base64(00 00 61 62 3f 64) = AABhYj9k, characters 3 to 7
        'base64 YWI_ZA==', // URL-safe alphabet (hYj9k and FiP2 read the same in both)
        'base64 YWI_ZA',
        'base64 YWI_Z',
        'hex 61623f64',
        'hex 61623F64',
        'url ab%3Fd',
        'url ab%3fd',
      ].sort(),
    );
    expect(forms.every((form) => form.wraps === (form.form === 'base64' || form.form === 'hex'))).toBe(true);
    // Longest first, so the longest match at a position wins.
    expect(forms.map((form) => form.text.length)).toEqual(
      forms.map((form) => form.text.length).sort((a, b) => b - a),
    );
  });

  it('adds no URL forms for a value URL encoding leaves alone', () => {
    expect(secretForms('plain-Value_1.2').filter((form) => form.form === 'url')).toEqual([]);
    expect(secretForms('a b').map((form) => form.text)).toEqual(expect.arrayContaining(['a%20b', 'a+b']));
  });
});

describe('createRedactor', () => {
  const stream = (before: string, after: string) =>
    Buffer.concat([Buffer.from(before), bytes, Buffer.from(after)]);
  it.each<[string, string]>([
    ['raw', `DB_PASSWORD=${SECRET}\n`],
    ['base64 alone', `${b64(bytes)}\n`],
    ['base64 alone, unpadded', b64(bytes).replace(/=+$/, '')],
    ['base64 URL-safe', urlSafe(b64(bytes))],
    ['base64 in a stream, offset 0', b64(stream('abc', 'tail'))],
    ['base64 in a stream, offset 1', b64(stream('a', 'tail'))],
    ['base64 in a stream, offset 2', b64(stream('ab', 'tail'))],
    ['base64 URL-safe in a stream, offset 1', urlSafe(b64(stream('abcd', '\0more')))],
    [
      'base64 wrapped at 76 columns',
      wrap(b64(stream('PATH=/usr/bin:/bin\0HOME=/root\0DB_PASSWORD=', '\0X=1\0')), 76),
    ],
    ['base64 wrapped with CRLF', wrap(b64(stream('x'.repeat(50), '')), 64).replaceAll('\n', '\r\n')],
    ['hex', bytes.toString('hex')],
    ['HEX', bytes.toString('hex').toUpperCase()],
    ['hex wrapped as xxd -p does', wrap(stream('DB_PASSWORD=', '\0').toString('hex'), 60)],
    ['encodeURIComponent', `?password=${encodeURIComponent(SECRET)}&x=1`],
    ['form encoding', new URLSearchParams({ password: SECRET }).toString()],
    ['lower-case escapes', encodeURIComponent(SECRET).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase())],
  ])('hides the value as %s', (_name, text) => {
    expect(leaks(text)).not.toEqual([]);
    const clean = redact(text);
    expect(leaks(clean)).toEqual([]);
    expect(clean).toMatch(/\[secret DB_PASSWORD( \((base64|hex|url)\))?\]/);
  });

  it('says which form it hid', () => {
    expect(redact(`a ${SECRET} b`)).toBe('a [secret DB_PASSWORD] b');
    expect(redact(`a ${b64(bytes)} b`)).toBe('a [secret DB_PASSWORD (base64)] b');
    expect(redact(`a ${bytes.toString('hex')} b`)).toBe('a [secret DB_PASSWORD (hex)] b');
    expect(redact(`a ${encodeURIComponent(SECRET)} b`)).toBe('a [secret DB_PASSWORD (url)] b');
  });

  it('hides what real tools print: base64, xxd -p, od-free hex', () => {
    const environ = `PATH=/usr/local/bin:/usr/bin\0DB_PASSWORD=${SECRET}\0HOME=/root\0`;
    for (const command of ['base64', 'base64 -w 0', 'xxd -p', 'basenc --base64url']) {
      const printed = execFileSync('bash', ['-c', command], { input: environ, encoding: 'utf8' });
      expect(redact(printed), command).toContain('[secret DB_PASSWORD');
      // Nothing the secret alone determines is left: decoding what is left finds no piece of it.
      expect(leaks(redact(printed)), command).toEqual([]);
    }
  });

  it('replaces every secret value, overlapping ones together, and leaves short values alone', () => {
    const many = createRedactor([
      { name: 'SHORT', value: 'abc' },
      { name: 'TOKEN', value: 'tok-123456' },
      { name: 'LONG', value: 'prefix-tok-123456-suffix' },
      { name: 'A', value: 'aaaa1111' },
      { name: 'B', value: '1111bbbb' },
    ]);
    expect(many('a tok-123456 and prefix-tok-123456-suffix, abc')).toBe(
      'a [secret TOKEN] and [secret LONG], abc',
    );
    // Side by side and sharing characters: no piece of either is left.
    expect(many('x aaaa1111bbbb y')).toBe('x [secret A] y');
    expect(many.names).toEqual(['TOKEN', 'LONG', 'A', 'B']);
  });

  it('is idempotent and leaves text without secrets as it is', () => {
    const once = redact(`${SECRET} ${b64(bytes)}`);
    expect(redact(once)).toBe(once);
    const text = 'ordinary output\nwith lines, 0123456789abcdef and c2VjcmV0\n';
    expect(redact(text)).toBe(text);
    expect(createRedactor([])(text)).toBe(text);
  });
});

describe('placeholdersIn', () => {
  it('names the secrets whose placeholders a text holds, of those given', () => {
    expect(
      placeholdersIn('x [secret A] y [secret B (base64)] [secret C] [secret A (hex)]', ['A', 'B']),
    ).toEqual(['A', 'B']);
    expect(placeholdersIn('[secret] [secret A', ['A'])).toEqual([]);
  });
});

describe('createStreamingRedactor', () => {
  const run = (chunks: readonly string[]) => {
    const streaming = createStreamingRedactor(redact);
    const out = chunks.map((chunk) => streaming.push(chunk));
    return out.join('') + streaming.flush();
  };
  const forms = secretForms(SECRET);

  it.each(forms.map((form) => [`${form.form} ${form.text}`, form.text] as const))(
    'hides %s split at every position',
    (_name, form) => {
      const text = `before ${form} after\n`;
      const whole = redact(text);
      expect(leaks(whole)).toEqual([]);
      for (let at = 0; at <= text.length; at++) {
        const streamed = run([text.slice(0, at), text.slice(at)]);
        expect(streamed, `split at ${at}`).toBe(whole);
      }
    },
  );

  it('hides a secret split into many small chunks, and a wrapped encoding split across lines', () => {
    const text = `x ${SECRET} y ${wrap(b64(Buffer.concat([Buffer.from('0123456789'), bytes])), 8)} z`;
    for (const size of [1, 2, 3, 5, 7]) {
      const chunks = text.match(new RegExp(`[\\s\\S]{1,${size}}`, 'g'))!;
      expect(run(chunks), `chunks of ${size}`).toBe(redact(text));
    }
  });

  it('passes on at once what cannot begin a secret, and holds back only what could', () => {
    const streaming = createStreamingRedactor(redact);
    expect(streaming.push('first line\n')).toBe('first line\n');
    expect(streaming.push('now pw-7f3')).toBe('now ');
    expect(streaming.push('a9c2e1b+/?&= x done')).toBe('[secret DB_PASSWORD] done');
    expect(streaming.push(' and pw-')).toBe(' and ');
    expect(streaming.flush()).toBe('pw-');
    expect(streaming.push('again')).toBe('again');
  });
});
