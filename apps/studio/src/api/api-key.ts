/** The API key lives in session storage: it is gone when the browser session ends (API.md, Studio dashboard). */
const KEY = 'callplane.api_key';
const NOTICE = 'callplane.sign_in_notice';

export const apiKeyStore = {
  get: (): string | null => sessionStorage.getItem(KEY),
  set: (key: string) => sessionStorage.setItem(KEY, key),
  /** Forgets the key; `notice` is shown on the sign-in page (why the user was signed out). */
  clear: (notice?: string) => {
    sessionStorage.removeItem(KEY);
    if (notice) sessionStorage.setItem(NOTICE, notice);
  },
  takeNotice: (): string | null => {
    const n = sessionStorage.getItem(NOTICE);
    sessionStorage.removeItem(NOTICE);
    return n;
  },
};
