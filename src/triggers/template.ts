/**
 * Fills `{{ payload.path.to.value }}` placeholders from a JSON payload: strings as they are, other values
 * as JSON, missing values as empty. No code runs: paths are dot-separated keys (array indexes allowed). Pure.
 */
export function renderTemplate(template: string, payload: unknown): string {
  return template.replace(/\{\{\s*([\w.-]+)\s*\}\}/g, (_match, path: string) => {
    const parts = path.split('.');
    if (parts[0] !== 'payload') return '';
    let value: unknown = payload;
    for (const part of parts.slice(1)) {
      if (value === null || typeof value !== 'object') return '';
      value = (value as Record<string, unknown>)[part];
    }
    if (value === undefined || value === null) return '';
    return typeof value === 'string' ? value : JSON.stringify(value);
  });
}
