"use client";

import { defaultLabel, type Choice } from "~/lib/capabilities";
import { inputClass } from "./ui";

/**
 * A model or mode for a new task: the agent's own list when it reported one (its default first),
 * else free text. Empty means the agent's default.
 */
export function OptionField({
  label,
  name,
  value,
  onChange,
  choices,
  defaultId,
  compact = false,
  placeholder = "Agent default",
}: {
  label: string;
  name: string;
  value: string;
  onChange: (value: string) => void;
  choices: Choice[];
  defaultId: string | undefined;
  /** In an attempt row: no visible label (the field is still named for screen readers). */
  compact?: boolean;
  placeholder?: string;
}) {
  const field =
    choices.length > 0 ? (
      <select className={inputClass} value={value} onChange={(e) => onChange(e.target.value)} name={name} aria-label={compact ? label : undefined}>
        <option value="">{defaultLabel(choices, defaultId)}</option>
        {choices.map((c) => (
          <option key={c.id} value={c.id}>
            {c.name}
          </option>
        ))}
      </select>
    ) : (
      <input className={inputClass} value={value} onChange={(e) => onChange(e.target.value)} placeholder={placeholder} name={name} aria-label={compact ? label : undefined} />
    );
  if (compact) return field;
  return (
    <label className="grid gap-1 text-sm">
      <span className="font-medium">
        {label} <span className="font-normal text-muted">(optional)</span>
      </span>
      {field}
    </label>
  );
}
