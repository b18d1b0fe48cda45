/**
 * `{{variable}}` templating for the agent's system prompt and greeting, filled from the call's `context`.
 *
 * Rules (deliberately tiny: prompts are customer text, context values are caller-supplied data):
 * - `{{name}}` or `{{ name }}` is replaced by `context[name]`; names are letters, digits, `_`, `-` and `.`,
 *   starting with a letter or `_` (`{{customer.first_name}}` is one flat key, not a path).
 * - An unknown variable becomes the empty string; nothing is evaluated (no expressions, filters or calls).
 * - Substituted values are inserted verbatim and never scanned again, so a value containing `{{x}}` stays
 *   literal text (a caller cannot inject variables through context).
 * - `\{{` writes a literal `{{` (the backslash is dropped); anything else that is not a well-formed
 *   `{{name}}` (e.g. `{{ 1 + 1 }}`, an unclosed `{{`) is left as written.
 */
const TOKEN = /\\\{\{|\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}/g;

export function renderTemplate(template: string, context: Readonly<Record<string, string>>): string {
  return template.replace(TOKEN, (match: string, name: string | undefined) => {
    if (name === undefined) return '{{'; // the escape
    return Object.prototype.hasOwnProperty.call(context, name) ? String(context[name]) : '';
  });
}

/** The variable names a template uses, in order of first use (for validation and the studio's hints). */
export function templateVariables(template: string): string[] {
  const names: string[] = [];
  for (const m of template.matchAll(TOKEN)) {
    const name = m[1];
    if (name !== undefined && !names.includes(name)) names.push(name);
  }
  return names;
}
