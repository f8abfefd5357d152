import type { SecretForm } from '../core/redaction.ts';

/** One text a secret's value can appear as in output. */
export interface SecretFormText {
  form: SecretForm;
  text: string;
  /**
   * Encoders wrap their lines (`base64` at 76 columns, `xxd -p` at 60): a line break may sit between
   * any two characters of the form.
   */
  wraps: boolean;
}

/**
 * The texts a secret's value appears as when printed raw, base64-encoded (standard and URL-safe,
 * with and without padding, alone or inside a longer stream at any of the three byte alignments),
 * hex-encoded (lower and upper case) or URL-encoded (encodeURIComponent and form encoding, upper
 * and lower case escapes). Distinct, longest first. Pure.
 *
 * Inside a longer base64 stream the value's first and last characters mix with its neighbours'
 * bits, so only the characters it alone determines are a fixed text (what secret scanners search
 * for): at byte offset k in the stream, base64 characters ceil(4k/3) to floor(4(k+n)/3) - 1 of the
 * encoding of k zero bytes and the n bytes of the value.
 */
export function secretForms(value: string): SecretFormText[] {
  const bytes = Buffer.from(value, 'utf8');
  const forms = new Map<string, SecretFormText>();
  const add = (form: SecretForm, text: string, wraps: boolean) => {
    if (text.length > 0 && !forms.has(text)) forms.set(text, { form, text, wraps });
  };
  add('raw', value, false);
  const base64: string[] = [];
  const whole = bytes.toString('base64');
  base64.push(whole, whole.replace(/=+$/, ''));
  for (const offset of [0, 1, 2]) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    base64.push(encoded.slice(Math.ceil((4 * offset) / 3), Math.floor((4 * (offset + bytes.length)) / 3)));
  }
  for (const text of base64) {
    add('base64', text, true);
    add('base64', text.replaceAll('+', '-').replaceAll('/', '_'), true);
  }
  const hex = bytes.toString('hex');
  add('hex', hex, true);
  add('hex', hex.toUpperCase(), true);
  const component = encodeURIComponent(value);
  const formEncoded = new URLSearchParams([['v', value]]).toString().slice(2);
  for (const text of [component, formEncoded]) {
    add('url', text, false);
    add(
      'url',
      text.replace(/%[0-9A-F]{2}/g, (percent) => percent.toLowerCase()),
      false,
    );
  }
  return [...forms.values()].sort((a, b) => b.text.length - a.text.length);
}
