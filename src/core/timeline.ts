// The steps of a run as the boot report records them (route, each HTTP request, normalise, each applier), and the observer that hears them.
import type { ChangeAction, ResultStatus } from './applier.js';

interface StepTiming {
  /** When the step started (ISO 8601). */
  at: string;
  /** How long it took, in milliseconds. */
  ms: number;
}

/** Route discovery: the base URLs that will be raced (or the one --endpoint named). */
interface RouteStep extends StepTiming {
  step: 'route';
  candidates: string[];
  /** True when --endpoint named the service, so no route was looked up. */
  endpoint_given: boolean;
}

/** One HTTP exchange with the service: one try of one request (a retry is a step of its own). */
export interface HttpStep extends StepTiming {
  step: 'http';
  method: string;
  /** The scheme and authority of the service (no credentials: the client refuses them). */
  endpoint: string;
  /** The path requested on it. */
  path: string;
  /** The HTTP status, or null when no answer came (see `error`). */
  status: number | null;
  /** Bytes of body received. */
  bytes: number;
  /** Why no answer came, when status is null. */
  error?: string;
}

/** The raw trees made into the one document. */
interface NormaliseStep extends StepTiming {
  step: 'normalise';
  instance_id: string;
}

/** What the report keeps of one change: never its contents, only what the plan view prints. */
interface ChangeRecord {
  action: ChangeAction;
  target: string;
  summary: string;
  status: ResultStatus;
}

/** One applier: plan and apply, with the summaries of its changes. */
export interface ApplierStep extends StepTiming {
  step: 'applier';
  id: string;
  result: 'ok' | 'failed';
  changes: ChangeRecord[];
  /** Changes left out of `changes` to keep the report small. */
  changes_omitted: number;
  errors: string[];
}

export type TimelineStep = RouteStep | HttpStep | NormaliseStep | ApplierStep;

/** Hears each step as it ends; injected into the fetch sequence and the HTTP client, never global. */
export type StepObserver = (step: TimelineStep) => void;
