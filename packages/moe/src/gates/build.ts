import { ValueError } from '@nonlinear/tensor';
import { ActivationGate, type ActivationGateOptions } from './activation.js';
import { ExpertChoiceGate, type ExpertChoiceGateOptions } from './expert-choice.js';
import type { Gate, GateKind } from './gate.js';
import { SigmoidGate, type SigmoidGateOptions } from './sigmoid.js';
import { SoftmaxGate } from './softmax.js';
import { TemperatureGate, type TemperatureGateOptions } from './temperature.js';
import { TopKGate, type TopKGateOptions } from './topk.js';

/** The options of every gate together; each kind reads its own. */
export type GateOptions = TopKGateOptions & TemperatureGateOptions & ActivationGateOptions & SigmoidGateOptions & ExpertChoiceGateOptions;

const BUILDERS: Record<GateKind, (d: number, e: number, o: GateOptions) => Gate> = {
  softmax: (d, e, o) => new SoftmaxGate(d, e, o),
  topk: (d, e, o) => new TopKGate(d, e, o),
  temperature: (d, e, o) => new TemperatureGate(d, e, o),
  activation: (d, e, o) => new ActivationGate(d, e, o),
  sigmoid: (d, e, o) => new SigmoidGate(d, e, o),
  expert_choice: (d, e, o) => new ExpertChoiceGate(d, e, o),
};

/** The kinds {@link createGate} knows. */
export function gateKinds(): GateKind[] {
  return Object.keys(BUILDERS) as GateKind[];
}

/** A new gate by kind: `createGate('topk', 64, 8, { k: 2, noisy: true })`. */
export function createGate(kind: GateKind, inFeatures: number, numExperts: number, options: GateOptions = {}): Gate {
  const build = Object.hasOwn(BUILDERS, kind) ? BUILDERS[kind] : undefined;
  if (!build) throw new ValueError(`createGate: unknown gate '${String(kind)}' (known: ${gateKinds().join(', ')})`);
  return build(inFeatures, numExperts, options);
}
