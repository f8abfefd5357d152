import { createHmac } from 'node:crypto';

/** `sha256=<hex>` of the body, as GitHub's X-Hub-Signature-256. */
export function githubSignature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}
