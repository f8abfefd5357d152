import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3StreamPart,
  LanguageModelV3Usage,
} from '@ai-sdk/provider';
import { wrapLanguageModel } from 'ai';
import { callCostUsd } from '../core/cost.ts';
import { InternalError } from '../core/errors.ts';
import type { ModelRouter, ResolvedModel } from '../core/ports/models.ts';
import type { Store } from '../core/ports/store.ts';
import { spendLimitReached } from '../core/spend-limit-error.ts';
import { callEstimateUsd, type SpendLimit, type SpendSubject } from '../core/spend-limits.ts';

/** Who a session's model calls are charged to, and the limits they are checked against. */
export interface SpendGuard extends SpendSubject {
  store: Store;
  sessionId: string;
  /** The server's own limits (DRYDOCK_SPEND_LIMIT_*). */
  configured: readonly SpendLimit[];
}

/**
 * The session's router with every model it resolves wrapped so that each call (coder, friend,
 * reviewer, judge, summarizer, manager: all of them resolve here) first reserves its upper estimate
 * in the store's ledger, is refused with `spend_limit_reached` when a limit has no room for it, and
 * settles the reservation to the call's actual cost when it ends (releases it when it fails).
 */
export function guardRouter(router: ModelRouter, guard: SpendGuard): ModelRouter {
  const guarded = new Map<string, ResolvedModel>();
  return {
    resolve(role) {
      const resolved = router.resolve(role);
      const known = guarded.get(role);
      if (known && known.model === resolved.model) return known;
      const wrapped = guardModel(resolved, guard);
      guarded.set(role, wrapped);
      return wrapped;
    },
  };
}

/** One resolved model with the ledger around each of its calls. */
export function guardModel(resolved: ResolvedModel, guard: SpendGuard): ResolvedModel {
  const model = resolved.model;
  if (typeof model === 'string' || model.specificationVersion !== 'v3') {
    // Every provider drydock builds is a v3 model object; a model the guard cannot wrap must not run unguarded.
    throw new InternalError(
      'unguardable_model',
      `The model ${resolved.spec} cannot be checked against spend limits: it is not an AI SDK v3 model object.`,
    );
  }
  const reserve = async (params: LanguageModelV3CallOptions): Promise<string> => {
    const estimateUsd = callEstimateUsd(
      resolved.pricing,
      estimateInputTokens(params),
      params.maxOutputTokens ?? resolved.maxOutputTokens,
    );
    const reservation = await guard.store.reserveSpend({
      sessionId: guard.sessionId,
      repo: guard.repo,
      ...(guard.creator === undefined ? {} : { creator: guard.creator }),
      estimateUsd,
      configured: guard.configured,
    });
    if (!reservation.ok) throw spendLimitReached(reservation.refusal);
    return reservation.id;
  };
  const costOf = (usage: LanguageModelV3Usage): number =>
    // An unpriced model's calls count as $0: drydock cannot know what they cost (docs/cost.md).
    resolved.pricing === null
      ? 0
      : callCostUsd(
          {
            inputTokens: usage.inputTokens.total ?? 0,
            cacheReadTokens: usage.inputTokens.cacheRead ?? 0,
            cacheWriteTokens: usage.inputTokens.cacheWrite ?? 0,
            outputTokens: usage.outputTokens.total ?? 0,
            reasoningTokens: usage.outputTokens.reasoning ?? 0,
          },
          resolved.pricing,
        );
  const wrapped: LanguageModelV3 = wrapLanguageModel({
    model,
    middleware: {
      specificationVersion: 'v3',
      async wrapGenerate({ doGenerate, params }) {
        const id = await reserve(params);
        try {
          const result = await doGenerate();
          await guard.store.settleSpend(id, costOf(result.usage));
          return result;
        } catch (error) {
          await guard.store.releaseSpend(id);
          throw error;
        }
      },
      async wrapStream({ doStream, params }) {
        const id = await reserve(params);
        let result: Awaited<ReturnType<typeof doStream>>;
        try {
          result = await doStream();
        } catch (error) {
          await guard.store.releaseSpend(id);
          throw error;
        }
        return { ...result, stream: settledStream(result.stream, id, guard.store, costOf) };
      },
    },
  });
  return { ...resolved, model: wrapped };
}

/**
 * The reply's stream, passed through as it is; when it ends, its reservation is settled to the cost of
 * the usage its `finish` part reported, and released when it broke off or was cancelled before one.
 */
function settledStream(
  source: ReadableStream<LanguageModelV3StreamPart>,
  id: string,
  store: Store,
  costOf: (usage: LanguageModelV3Usage) => number,
): ReadableStream<LanguageModelV3StreamPart> {
  const reader = source.getReader();
  let usage: LanguageModelV3Usage | undefined;
  let ended = false;
  const end = async (): Promise<void> => {
    if (ended) return;
    ended = true;
    if (usage) await store.settleSpend(id, costOf(usage));
    else await store.releaseSpend(id);
  };
  return new ReadableStream<LanguageModelV3StreamPart>({
    async pull(controller) {
      try {
        const next = await reader.read();
        if (next.done) {
          await end();
          controller.close();
          return;
        }
        if (next.value.type === 'finish') usage = next.value.usage;
        controller.enqueue(next.value);
      } catch (error) {
        await end();
        controller.error(error);
      }
    },
    async cancel(reason) {
      await end();
      await reader.cancel(reason);
    },
  });
}

/**
 * An upper estimate of a request's input tokens: its prompt and tool definitions as JSON at three
 * characters a token (tokenizers average about four for English and code). Pure.
 */
export function estimateInputTokens(params: LanguageModelV3CallOptions): number {
  const characters = JSON.stringify(params.prompt).length + JSON.stringify(params.tools ?? []).length;
  return Math.ceil(characters / 3);
}
