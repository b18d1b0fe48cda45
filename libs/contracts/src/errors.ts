import { z } from 'zod';

/** Every error code the public API can answer with, and its HTTP status. */
export const ERROR_STATUS = {
  validation_failed: 400,
  invalid_json: 400,
  unauthorized: 401,
  forbidden: 403,
  invalid_signature: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  idempotency_conflict: 409,
  idempotency_in_progress: 409,
  number_already_exists: 409,
  number_assigned_elsewhere: 409,
  number_not_active: 409,
  import_in_progress: 409,
  not_cancellable: 409,
  invalid_campaign_state: 409,
  campaign_empty: 409,
  do_not_call: 409,
  livekit_not_configured: 409,
  plivo_india_number_locked: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  invalid_credentials: 422,
  plivo_subaccount_credentials: 422,
  plivo_zentrunk_required: 422,
  provider_rejected: 422,
  from_number_not_outbound: 422,
  rate_limited: 429,
  test_call_user_quota: 429,
  test_call_destination_quota: 429,
  test_call_unsupported_destination: 400,
  internal_error: 500,
  provider_unavailable: 502,
  livekit_unavailable: 502,
  livekit_rejected: 502,
  release_incomplete: 502,
  pool_exhausted: 503,
  trial_pool_empty: 503,
  not_ready: 503,
  database_unavailable: 503,
} as const;
export type ErrorCode = keyof typeof ERROR_STATUS;

export const errorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;

/** One entry of `details` on `400 validation_failed`: which field, and what is wrong with it. */
export interface FieldIssue {
  field: string;
  message: string;
}
