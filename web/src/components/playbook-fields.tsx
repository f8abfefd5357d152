import type { PlaybookInfo } from '../types.ts';

interface PlaybookFieldsProps {
  playbooks: PlaybookInfo[] | null;
  /** The chosen playbook's name, or '' for none. */
  name: string;
  inputs: Record<string, string>;
  onName: (name: string) => void;
  onInput: (input: string, value: string) => void;
  errors: Partial<Record<string, string>>;
}

/**
 * The new-task form's playbook (docs/playbooks.md): a repository's and the server's, and once one is
 * chosen, a field per input (required ones marked, defaults as placeholders).
 */
export function PlaybookFields({ playbooks, name, inputs, onName, onInput, errors }: PlaybookFieldsProps) {
  if (!playbooks || playbooks.length === 0) return null;
  const chosen = playbooks.find((playbook) => playbook.name === name) ?? null;
  return (
    <>
      <div className="field" data-field="playbook">
        <label htmlFor="field-playbook">
          Playbook <small className="muted">optional: a task template with inputs</small>
        </label>
        <select
          id="field-playbook"
          name="playbook"
          value={chosen ? chosen.name : ''}
          onChange={(event) => onName(event.target.value)}
          aria-invalid={Boolean(errors.playbook)}
        >
          <option value="">None: write the task</option>
          {playbooks.map((playbook) => (
            <option key={playbook.name} value={playbook.name}>
              {playbook.name} ({playbook.source}): {playbook.description}
            </option>
          ))}
        </select>
        {errors.playbook && <span className="field-error">{errors.playbook}</span>}
      </div>
      {chosen &&
        Object.entries(chosen.inputs).map(([input, spec]) => (
          <div className="field" data-field={`input-${input}`} key={input}>
            <label htmlFor={`field-input-${input}`}>
              {input}{' '}
              <small className="muted">
                {spec.required ? `required: ${spec.description}` : spec.description}
              </small>
            </label>
            <input
              id={`field-input-${input}`}
              name={`input-${input}`}
              className="mono"
              spellCheck={false}
              placeholder={spec.default ?? ''}
              value={inputs[input] ?? ''}
              onChange={(event) => onInput(input, event.target.value)}
            />
          </div>
        ))}
      {chosen && errors.inputs && (
        <span className="field-error" data-field="inputs">
          {errors.inputs}
        </span>
      )}
    </>
  );
}
