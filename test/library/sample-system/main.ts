/** A sample system that bundles Socket Manager (`@socket-manager/library`) instead of requiring the module. */
import { type Globals, installSample, type SampleState } from "../sample-consumer";

export const ID = "sample-system";

export function install(globals: Globals): SampleState {
  return installSample(globals, ID, "system");
}
