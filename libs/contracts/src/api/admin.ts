import { z } from 'zod';

export const tenantCreateSchema = z.object({ name: z.string().trim().min(1).max(200) }).strict();
export const tenantSchema = z.object({ id: z.string(), name: z.string() });

export const userCreateSchema = z.object({ email: z.string().trim().toLowerCase().email().max(320) }).strict();
export const userCreatedSchema = z.object({
  id: z.string(),
  email: z.string(),
  api_key: z.string().describe('shown only in this response; store it now'),
});
