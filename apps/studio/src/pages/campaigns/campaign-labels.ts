import type { CampaignDto, CONTACT_REJECTIONS, ContactState, RetryableOutcome } from '@callplane/contracts';

type Status = CampaignDto['status'];

/** Words for the contract's values; a `Record` over each union keeps them in step when a value is added. */
export const STATUS_LABELS: Record<Status, string> = { draft: 'Draft', scheduled: 'Scheduled', running: 'Running', paused: 'Paused', completed: 'Completed', canceled: 'Canceled' };
export const STATUS_PILLS: Record<Status, string> = { draft: '', scheduled: 'info', running: 'ok', paused: 'warn', completed: 'ok', canceled: 'error' };

export const CONTACT_STATE_LABELS: Record<ContactState, string> = {
  pending: 'Pending',
  calling: 'Calling',
  retry_scheduled: 'Retry scheduled',
  completed: 'Completed',
  no_answer: 'No answer',
  busy: 'Busy',
  failed: 'Failed',
  do_not_call: 'Do not call',
  canceled: 'Canceled',
};

export const REJECTION_LABELS: Record<(typeof CONTACT_REJECTIONS)[number], string> = {
  invalid_number: 'Not a valid phone number',
  duplicate: 'Already in this campaign',
  do_not_call: 'On your do-not-call list',
};

export const OUTCOME_LABELS: Record<RetryableOutcome, string> = { no_answer: 'No answer', busy: 'Busy', failed: 'Failed' };

/** The contacts that will not be called again: the final states. */
export const doneCount = (c: CampaignDto['counts']): number => c.completed + c.no_answer + c.busy + c.failed + c.do_not_call + c.canceled;
