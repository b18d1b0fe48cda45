import { z } from 'zod';
import { listOf } from './common';

export const tenantCreateSchema = z.object({ name: z.string().trim().min(1).max(200) }).strict();
export const tenantSchema = z.object({ id: z.string(), name: z.string() });
export const tenantListItemSchema = tenantSchema.extend({ created_at: z.string() });
export const tenantListSchema = listOf(tenantListItemSchema);
export type TenantDto = z.infer<typeof tenantSchema>;
export type TenantListItemDto = z.infer<typeof tenantListItemSchema>;

export const userCreateSchema = z.object({ email: z.string().trim().toLowerCase().email().max(320) }).strict();
export const userCreatedSchema = z.object({
  id: z.string(),
  email: z.string(),
  api_key: z.string().describe('shown only in this response; store it now'),
});
export type UserCreatedDto = z.infer<typeof userCreatedSchema>;
/** A user as the operator API lists it: never the key, only its last characters. */
export const userSchema = z.object({
  id: z.string(),
  email: z.string(),
  api_key_hint: z.string().describe('the last characters of the API key'),
  created_at: z.string(),
  revoked_at: z.string().nullable().describe('when the API key was revoked; from then on it is refused (401)'),
});
export const userListSchema = listOf(userSchema);
export type UserDto = z.infer<typeof userSchema>;
