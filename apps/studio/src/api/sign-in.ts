import { api, ApiError } from './api-client';
import type { Role } from './api-key';

const refused = (err: unknown): boolean => err instanceof ApiError && err.status === 401;

/**
 * Whose key this is, as the API says: a customer key opens `/voice/*`, the operator token opens `/admin/*` and
 * nothing else. Tries the customer side first (the common case, one request); a key neither side accepts throws
 * the customer side's 401.
 */
export async function roleOfKey(key: string): Promise<Role> {
  try {
    await api('GET', '/voice/agents?limit=1', undefined, { key });
    return 'tenant';
  } catch (err) {
    if (!refused(err)) throw err;
    try {
      await api('GET', '/admin/tenants?limit=1', undefined, { key });
      return 'operator';
    } catch (adminErr) {
      throw refused(adminErr) ? err : adminErr;
    }
  }
}
