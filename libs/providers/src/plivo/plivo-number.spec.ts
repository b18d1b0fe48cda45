import { isIndiaBound, isIndianLocal } from './plivo-number';

describe('Plivo India rules', () => {
  it.each([
    ['Plivo’s capitals', { country: 'INDIA', number_type: 'local' }, '+918035735900', true],
    ['another case', { country: 'India', number_type: 'local' }, '+918035735900', true],
    ['no country: the +91 prefix decides', { number_type: 'local' }, '+918035735900', true],
    ['a type in capitals', { country: 'INDIA', number_type: 'LOCAL' }, '+918035735900', true],
    ['an Indian mobile number', { country: 'INDIA', number_type: 'mobile' }, '+919876543210', false],
    ['a US local number', { country: 'UNITED STATES', number_type: 'local' }, '+14155550142', false],
  ])('%s', (_label, n, e164, expected) => {
    expect(isIndianLocal(n, e164)).toBe(expected);
  });

  it('an Indian local number bound to a trunk is India-bound; unbound, it is not', () => {
    expect(isIndiaBound({ number: '918035735900', country: 'INDIA', number_type: 'local', app_id: '21784177249999' }, '+918035735900')).toBe(true);
    expect(isIndiaBound({ number: '918035735900', country: 'INDIA', number_type: 'local', app_id: null }, '+918035735900')).toBe(false);
  });
});
