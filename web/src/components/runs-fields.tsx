import { type KeyboardEvent, useState } from 'react';
import { MAX_ATTEMPTS, type RunsValues } from '../runs.ts';
import './tree.css';

/**
 * The new-task form's runs: how many attempts (best of N, the gate's evidence choosing), or one attempt
 * per model (the model picker's suggestions), and manager mode. Errors show under their fields.
 */
export function RunsFields({
  values,
  onChange,
  errors,
}: {
  values: RunsValues;
  onChange: (change: Partial<RunsValues>) => void;
  errors: Partial<Record<string, string>>;
}) {
  const [typed, setTyped] = useState('');
  const add = () => {
    const spec = typed.trim();
    if (spec === '' || values.models.length >= MAX_ATTEMPTS) return;
    onChange({ models: [...values.models, spec] });
    setTyped('');
  };
  const onKey = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key !== 'Enter') return;
    // Enter adds the model rather than sending the form.
    event.preventDefault();
    add();
  };
  const manyModels = values.models.length > 0;

  return (
    <fieldset className="runs">
      <legend>Runs</legend>
      <div className="row">
        <div className="field attempts-field" data-field="attempts">
          <label htmlFor="field-attempts">
            Attempts <small className="muted">1–{MAX_ATTEMPTS}; more than one: the best is delivered</small>
          </label>
          <input
            id="field-attempts"
            name="attempts"
            type="number"
            inputMode="numeric"
            min={1}
            max={MAX_ATTEMPTS}
            step={1}
            value={values.attempts}
            onChange={(e) => onChange({ attempts: e.target.value })}
            aria-invalid={Boolean(errors.attempts)}
          />
          {errors.attempts && <span className="field-error">{errors.attempts}</span>}
        </div>
        <div className="field" data-field="models">
          <label htmlFor="field-models">
            Models <small className="muted">optional: one attempt per model, instead of Attempts</small>
          </label>
          <div className="model-entry">
            <input
              id="field-models"
              name="models"
              className="mono"
              spellCheck={false}
              list="model-options"
              placeholder={manyModels ? 'another model' : 'provider:model'}
              value={typed}
              onChange={(e) => setTyped(e.target.value)}
              onKeyDown={onKey}
              aria-invalid={Boolean(errors.models)}
            />
            <button
              type="button"
              className="button small"
              onClick={add}
              disabled={typed.trim() === '' || values.models.length >= MAX_ATTEMPTS}
            >
              Add
            </button>
          </div>
          {manyModels && (
            <ul className="model-chips" aria-label="Chosen: one attempt each">
              {values.models.map((spec, index) => (
                <li key={chipKey(values.models, index)} className="model-chip mono" data-model={spec}>
                  {spec}
                  <button
                    type="button"
                    className="chip-remove"
                    aria-label={`Remove ${spec}`}
                    onClick={() => onChange({ models: values.models.filter((_, i) => i !== index) })}
                  >
                    ×
                  </button>
                </li>
              ))}
            </ul>
          )}
          {errors.models && <span className="field-error">{errors.models}</span>}
        </div>
      </div>
      <div className="field" data-field="mode">
        <label className="check-field">
          <input
            type="checkbox"
            name="mode"
            checked={values.manager}
            onChange={(e) => onChange({ manager: e.target.checked })}
            aria-invalid={Boolean(errors.mode)}
          />
          Manager mode{' '}
          <small className="muted">a manager splits the work into child sessions and integrates them</small>
        </label>
        {errors.mode && <span className="field-error">{errors.mode}</span>}
      </div>
    </fieldset>
  );
}

/** A model's key among the chips: its spec and which of the same spec it is (a model may run twice). */
function chipKey(models: readonly string[], at: number): string {
  const spec = models[at] ?? '';
  return `${spec}#${models.slice(0, at).filter((each) => each === spec).length}`;
}
