import { ApiError } from './api.ts';

/** An error as the page says it: words for a reader of the page, and where to go from here. */
export interface PageMessage {
  text: string;
  link?: { to: string; label: string };
}

const BACK_TO_LIST = { to: '/', label: 'Back to the sessions' };
const SETTINGS = { to: '/settings', label: 'Settings' };

/**
 * The page's own words for the API's errors it knows by code. The API's messages serve the CLI and
 * curl too (they may say `drydock show` or `GET /api/sessions`); its field errors are written for any form,
 * so a field error needs no mapping, and a code not listed here shows the API's message as it is.
 */
const BY_CODE: Readonly<Record<string, PageMessage>> = {
  session_not_found: {
    text: 'There is no session with this id: the link may be mistyped, or it was started on another server.',
    link: BACK_TO_LIST,
  },
  artifact_not_found: { text: 'This session has no such report.', link: BACK_TO_LIST },
  eval_run_not_found: {
    text: 'There is no evaluation run with this id.',
    link: { to: '/evals', label: 'Back to the evaluations' },
  },
  route_not_found: { text: 'This server does not know that page of the API: is it an older drydock?' },
  repo_not_registered: {
    text: 'This repository is not registered on this server. Choose one from the list; an admin registers more under Settings.',
    link: SETTINGS,
  },
  registered_repo_not_found: { text: 'That repository is no longer registered here.', link: SETTINGS },
  schedule_not_found: { text: 'That schedule no longer exists (someone deleted it).' },
  hook_not_found: { text: 'That webhook no longer exists (someone deleted it).' },
  slack_channel_not_found: { text: 'That Slack channel setting no longer exists (someone deleted it).' },
  role_too_low: { text: "Your token's role cannot do this: ask an admin for a member or admin token." },
  not_session_owner: {
    text: 'Only whoever started this session, or an admin, can cancel it or send it messages.',
  },
  not_trigger_owner: { text: 'Only whoever set this up, or an admin, can change or delete it.' },
  forge_not_configured: {
    text: 'This repository lives on GitHub, and this server has no GitHub access set up: ask its operator.',
  },
  network: { text: 'Cannot reach the drydock server. Check that it is running, then reload the page.' },
  internal_error: { text: 'Something went wrong on the server; its log has the details.' },
};

/** What the page says about `error`. Pure. */
export function pageMessage(error: unknown): PageMessage {
  if (error instanceof ApiError) {
    const known = BY_CODE[error.code];
    if (known) return known;
    return { text: error.message };
  }
  return { text: error instanceof Error ? error.message : String(error) };
}

/**
 * The part of a form's error that its fields do not show: null when every field error sits under a field
 * of the form (saying it again above would say it twice), else the others as one error. Pure.
 */
export function formLevelError(error: unknown, shown: readonly string[]): unknown {
  if (!(error instanceof ApiError) || Object.keys(error.fields).length === 0) return error;
  const other = Object.entries(error.fields).filter(([field]) => !shown.includes(field));
  return other.length > 0
    ? new ApiError(error.status, error.code, other.map(([field, text]) => `${field}: ${text}`).join('; '))
    : null;
}
