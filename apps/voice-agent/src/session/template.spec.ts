import { renderTemplate, templateVariables } from './template';

describe('renderTemplate', () => {
  it('fills variables, with or without inner spaces', () => {
    expect(renderTemplate('Hi {{name}}, your order {{ order_id }} ships {{day}}.', { name: 'Asha', order_id: 'A-17', day: 'Monday' })).toBe(
      'Hi Asha, your order A-17 ships Monday.',
    );
  });

  it('turns unknown variables into the empty string', () => {
    expect(renderTemplate('Hi {{name}}!', {})).toBe('Hi !');
  });

  it('does not look up inherited properties', () => {
    expect(renderTemplate('{{constructor}}{{toString}}{{__proto__}}', {})).toBe('');
  });

  it('inserts values verbatim and never expands variables inside them', () => {
    expect(renderTemplate('Note: {{note}}', { note: '{{secret}} \\{{x}}', secret: 'leak' })).toBe('Note: {{secret}} \\{{x}}');
  });

  it('keeps escaped and malformed braces as text', () => {
    expect(renderTemplate('literal \\{{name}} and {{ 1 + 1 }} and {{unclosed', { name: 'x' })).toBe('literal {{name}} and {{ 1 + 1 }} and {{unclosed');
  });

  it('treats dotted names as one flat key', () => {
    expect(renderTemplate('{{customer.first_name}}', { 'customer.first_name': 'Ravi' })).toBe('Ravi');
  });

  it('lists the variables a template uses', () => {
    expect(templateVariables('{{a}} {{ b }} {{a}} \\{{c}}')).toEqual(['a', 'b']);
  });
});
