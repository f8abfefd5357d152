import { decorate } from '../core/decorate.ts';
import type { ExecOptions, Sandbox } from '../core/ports/sandbox.ts';
import type { Redact } from '../core/redaction.ts';
import { createStreamingRedactor } from '../core/streaming-redactor.ts';

/**
 * The sandbox as the model and the log may see it: what commands print (streamed chunks too, a
 * secret split between two of them included) and what files read have secret values replaced.
 * Writes, and every other member, are the sandbox's own (`decorate`): only what is shown is
 * redacted, so never write back what this one read.
 */
export function redactingSandbox<S extends Sandbox>(sandbox: S, redact: Redact): S {
  return decorate<Sandbox>(sandbox, {
    async exec(command: string | readonly string[], options: ExecOptions = {}) {
      const onOutput = options.onOutput;
      if (!onOutput) {
        const result = await sandbox.exec(command, options);
        return { ...result, output: redact(result.output) };
      }
      const streams = { stdout: createStreamingRedactor(redact), stderr: createStreamingRedactor(redact) };
      const pass = (text: string, stream: 'stdout' | 'stderr') => {
        if (text !== '') onOutput(text, stream);
      };
      try {
        const result = await sandbox.exec(command, {
          ...options,
          onOutput: (chunk, stream) => pass(streams[stream].push(chunk), stream),
        });
        return { ...result, output: redact(result.output) };
      } finally {
        pass(streams.stdout.flush(), 'stdout');
        pass(streams.stderr.flush(), 'stderr');
      }
    },
    async readFile(path: string) {
      const content = await sandbox.readFile(path);
      const text = content.toString('utf8');
      const clean = redact(text);
      return clean === text ? content : Buffer.from(clean, 'utf8');
    },
  }) as S;
}
