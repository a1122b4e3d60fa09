import * as T from '@nonlinear/tensor';
import { ValueError, type Tensor } from '@nonlinear/tensor';
import type { FeedForwardFactory, Module } from '@nonlinear/nn';
import { ActivationGate } from '../gates/activation.js';
import { TemperatureGate } from '../gates/temperature.js';
import { MoELayer, type MoELayerOptions, type MoEStats } from './moe-layer.js';

/**
 * A model's MoE layers for the training loop: build them into nn's TransformerBlock / DecoderLM
 * with {@link moeFeedForward}, add {@link moeAuxLoss} to the loss, anneal the gates with
 * {@link setTemperature} and log {@link moeStats}.
 */

/**
 * The `ffn` factory of nn's TransformerBlock / DecoderLM that gives every block an
 * {@link MoELayer}: `new DecoderLM({ ..., ffn: moeFeedForward({ numExperts: 8, hidden: 64 }) })`.
 * `layers` (default: all) picks the blocks that get one; the others get `dense(dim, layer)`
 * (required when `layers` leaves some out), e.g. a SwiGLU.
 */
export function moeFeedForward(options: MoELayerOptions & { layers?: (layer: number) => boolean; dense?: FeedForwardFactory }): FeedForwardFactory {
  const { layers, dense, ...layerOptions } = options;
  return (dim, layer) => {
    if (!layers || layers(layer)) return new MoELayer(dim, layerOptions);
    if (!dense) throw new ValueError(`moeFeedForward: block ${layer} is left out by 'layers' but no 'dense' factory was given`);
    return dense(dim, layer);
  };
}

/** The MoE layers of a model, in module order. */
export function moeLayers(model: Module): MoELayer[] {
  return model.modules().filter((m): m is MoELayer => m instanceof MoELayer);
}

/**
 * The sum of the auxiliary losses (load balancing + z-loss, weighted) the model's MoE layers left
 * in their last forward pass: add it to the task loss before `backward()`. A new scalar, the
 * caller's to dispose. Throws if the model has no MoE layer or none has run.
 */
export function moeAuxLoss(model: Module): Tensor {
  const losses = moeLayers(model).map((l) => l.lastAuxLoss).filter((t): t is Tensor => t !== null);
  if (!losses.length) throw new ValueError(`moeAuxLoss: ${model.moduleName} has no MoE layer that has run a forward pass`);
  return T.tidy(() => losses.slice(1).reduce((a, b) => a.add(b), losses[0]!.add(0)));
}

/** The statistics of each MoE layer's last forward pass (layers that have not run are left out). */
export async function moeStats(model: Module): Promise<MoEStats[]> {
  const out: MoEStats[] = [];
  for (const l of moeLayers(model)) {
    const s = await l.stats();
    if (s) out.push(s);
  }
  return out;
}

/** Sets tau of every temperature and activation gate of the model (the annealing step); returns how many. */
export function setTemperature(model: Module, tau: number): number {
  let n = 0;
  for (const m of model.modules()) {
    if (m instanceof TemperatureGate || m instanceof ActivationGate) {
      m.tau = tau;
      n++;
    }
  }
  return n;
}
