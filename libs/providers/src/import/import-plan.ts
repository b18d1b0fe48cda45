import type { ByokProviderName } from '@callplane/contracts';
import type { LiveKitSip, SipAuth } from '@callplane/livekit';

/**
 * Importing a number is a recorded sequence of steps (issue: "Atomicity"). Each step creates one resource at
 * the carrier or in LiveKit and returns the ids needed to remove it; the runner stores those ids with the
 * number after every step, so a failure, a crash or a later delete can undo exactly what was created.
 *
 * Step outputs are ids and names only, never secrets: they are stored in the clear. Secrets the steps need
 * (the customer's credentials, the SIP password we generate) are sealed with the number.
 */
export type StepOutput = Record<string, string>;
/** Outputs of the steps that ran, by step name. */
export type StepOutputs = Readonly<Record<string, StepOutput>>;

export interface ImportStep {
  /** Stable across releases (recorded with the number and matched by name at teardown): `twilio.trunk`. */
  readonly name: string;
  /** Creates the resource. Reads earlier steps' outputs (a trunk's id) from `outputs`. */
  run(outputs: StepOutputs): Promise<StepOutput | void>;
  /** Removes what `run` created; a resource that is already gone counts as removed. Absent: nothing to undo. */
  undo?(output: StepOutput, outputs: StepOutputs): Promise<void>;
  /**
   * A failure does not fail the import: the step is recorded as skipped and the number says what the customer
   * must do by hand (Exotel's VoiceUrl). Only for the last steps, which nothing after them depends on.
   */
  readonly bestEffort?: boolean;
}

/** What every import step may use: who the number is, where our endpoints are, and LiveKit. */
export interface ImportContext {
  phoneId: string;
  tenantId: string;
  /** E.164. */
  number: string;
  /** What `preflight` found: the provider's id for the number (Twilio PN…, Exotel ExoPhone sid, Plivo digits), India facts. */
  preflight: PreflightResult;
  /** `PUBLIC_BASE_URL`, no trailing slash. */
  publicBaseUrl: string;
  /** `LIVEKIT_SIP_HOST`: where carriers send calls for LiveKit (host or host:port). */
  livekitSipHost: string;
  /** SIP digest credentials generated for this number: the carrier's trunk and LiveKit's trunk share them. */
  sipAuth: SipAuth;
  livekit: LiveKitSip;
  /** Name for every resource we create (`callplane-pn_…`, cut to each provider's limits by the adapter). */
  label: string;
}

export interface ImportPlan {
  /** In order. Inbound routing at the carrier is switched to us last, once everything behind it exists. */
  steps: ImportStep[];
  /**
   * Whether calls reach the agent with no action from the customer once every step ran; when not (or when a
   * best-effort step failed), `manualSteps` is what they must do, shown on the number.
   */
  inbound: { automatic: boolean; manualSteps: string };
  /** Shown as the number's `locked.reason` (a number the carrier keeps bound to our trunk: an Indian Plivo number). */
  lockedReason?: string;
  /** Shown on `GET` as `delete_warning`: what deleting will cost the customer. */
  deleteWarning?: string;
}

/** The number as the carrier knows it, checked before anything is created. */
export interface PreflightResult {
  providerNumberId: string;
  /**
   * Once bound to our trunk, the carrier keeps this number bound even after we release it (the carrier's
   * `stickyBinding`: Plivo's Indian local numbers), so provisioning remembers it and refuses it later.
   */
  stickyBinding?: boolean;
}

/**
 * The part of an importer that turns a number into its step plan. Also rebuilt at delete time from what is stored
 * with the number, to undo its recorded steps by name.
 */
export interface NumberPlanner<Credentials> {
  plan(credentials: Credentials, ctx: ImportContext): ImportPlan;
}

/**
 * The import side of a carrier adapter. `Credentials` are what the customer gives at import (for Vobiz, SIP
 * trunk credentials rather than the REST credentials listing uses).
 */
export interface NumberImporter<Credentials> extends NumberPlanner<Credentials> {
  readonly provider: ByokProviderName;
  /** The secret among the credentials: its last characters are the number's `credential_hint`. */
  readonly secretField: keyof Credentials & string;
  /**
   * Reads only: the credentials work, the number is on the account and can be imported (ProviderError
   * otherwise, e.g. `plivo_india_number_locked`, or `provider_rejected` when the number is not on the account).
   */
  preflight(credentials: Credentials, number: string): Promise<PreflightResult>;
  /**
   * Point the carrier's inbound routing at us again (Exotel: retry of the VoiceUrl). Safe to repeat. Absent: the
   * carrier's inbound routing is not ours to repeat (`POST /voice/exotel/byok/configure-inbound/{id}` answers 404).
   */
  configureInbound?(credentials: Credentials, ctx: ImportContext): Promise<void>;
}

export type StepRecord = { name: string; output: StepOutput; at: string };
