import { describe, expect, it } from 'vitest';
import { defaultAuditAction, lastParam, openApiPath } from './audit-middleware.ts';

describe('the audit action of a route no one named', () => {
  it.each([
    ['POST', '/api/limits', 'limit.created'],
    ['PUT', '/api/limits/{id}', 'limit.changed'],
    ['PATCH', '/api/hooks/{id}', 'hook.changed'],
    ['DELETE', '/api/hooks/{id}', 'hook.removed'],
    ['POST', '/api/schedules/{id}/run', 'schedule.run'],
    ['POST', '/api/sessions/{id}/cancel', 'session.cancel'],
    ['POST', '/api/sessions/{id}/messages', 'session.message.created'],
    ['POST', '/api/slack/channels', 'slack.channel.created'],
    ['DELETE', '/api/trackers/{tracker}/mappings/{id}', 'tracker.mapping.removed'],
    ['POST', '/api/sessions/{id}/pull-request', 'session.pull-request'],
  ])('%s %s is %s', (method, route, action) => {
    expect(defaultAuditAction(method, route)).toBe(action);
  });

  it('spells hono paths as OpenAPI does and finds the last parameter as the target', () => {
    expect(openApiPath('/api/sessions/:id/cancel')).toBe('/api/sessions/{id}/cancel');
    expect(lastParam('/api/trackers/:tracker/mappings/:id', '/api/trackers/linear/mappings/m%201')).toBe(
      'm 1',
    );
    expect(lastParam('/api/limits', '/api/limits')).toBeNull();
  });
});
