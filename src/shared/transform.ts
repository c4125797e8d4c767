/** The stored shape of a config's payload template, shared by the config rows and the transform engine. */

/** Names of the built-in payload templates. */
export const TRANSFORM_PRESET_NAMES = ['slack', 'teams'] as const;
export type TransformPreset = (typeof TRANSFORM_PRESET_NAMES)[number];

/** A config's `transform`: a JSONata expression, or `{"preset": "slack" | "teams"}`. */
export type Transform = string | { preset: TransformPreset };
