/** The API key lives in session storage: it is gone when the browser session ends (API.md, Studio dashboard). */
const KEY = 'callplane.api_key';
const ROLE = 'callplane.role';
const NOTICE = 'callplane.sign_in_notice';

/**
 * Who the key belongs to, as the API answered at sign-in: a tenant's user (the customer pages) or the platform
 * operator (the ADMIN_TOKEN, the operator pages).
 */
export type Role = 'tenant' | 'operator';

export const apiKeyStore = {
  get: (): string | null => sessionStorage.getItem(KEY),
  role: (): Role => (sessionStorage.getItem(ROLE) === 'operator' ? 'operator' : 'tenant'),
  set: (key: string, role: Role = 'tenant') => {
    sessionStorage.setItem(KEY, key);
    sessionStorage.setItem(ROLE, role);
  },
  /** Forgets the key; `notice` is shown on the sign-in page (why the user was signed out). */
  clear: (notice?: string) => {
    sessionStorage.removeItem(KEY);
    sessionStorage.removeItem(ROLE);
    if (notice) sessionStorage.setItem(NOTICE, notice);
  },
  takeNotice: (): string | null => {
    const n = sessionStorage.getItem(NOTICE);
    sessionStorage.removeItem(NOTICE);
    return n;
  },
};
