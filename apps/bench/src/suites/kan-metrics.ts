/**
 * Classification metrics from predicted and true class indices: the confusion matrix, accuracy
 * and macro F1 (scikit-learn's `f1_score(average='macro')`: the unweighted mean of the per-class
 * F1, where a class that is neither predicted nor present scores 0, as with `zero_division=0`).
 */
import { ValueError } from '@nonlinear/tensor';

/** The counts of a classifier's predictions: `matrix[t][p]` samples of class t were predicted p. */
export interface Confusion {
  /** Number of classes. */
  classes: number;
  /** Row = true class, column = predicted class. */
  matrix: number[][];
  /** Samples counted. */
  total: number;
}

/** Counts the (true, predicted) pairs; every index must be an integer in [0, classes). */
export function confusionMatrix(truth: ArrayLike<number>, predicted: ArrayLike<number>, classes: number): Confusion {
  if (!Number.isInteger(classes) || classes < 1) throw new ValueError(`confusionMatrix: classes must be a positive integer, got ${classes}`);
  if (truth.length !== predicted.length) throw new ValueError(`confusionMatrix: ${truth.length} true labels but ${predicted.length} predictions`);
  const matrix = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i]!;
    const p = predicted[i]!;
    if (!Number.isInteger(t) || t < 0 || t >= classes) throw new ValueError(`confusionMatrix: true label ${t} at ${i} is not a class in [0, ${classes})`);
    if (!Number.isInteger(p) || p < 0 || p >= classes) throw new ValueError(`confusionMatrix: prediction ${p} at ${i} is not a class in [0, ${classes})`);
    matrix[t]![p]!++;
  }
  return { classes, matrix, total: truth.length };
}

/** Fraction of samples on the diagonal (NaN for no samples). */
export function accuracy(c: Confusion): number {
  if (c.total === 0) return NaN;
  let hit = 0;
  for (let k = 0; k < c.classes; k++) hit += c.matrix[k]![k]!;
  return hit / c.total;
}

/** F1 of each class, 2 TP / (2 TP + FP + FN); 0 where the denominator is 0. */
export function f1PerClass(c: Confusion): number[] {
  return Array.from({ length: c.classes }, (_, k) => {
    const tp = c.matrix[k]![k]!;
    let fp = 0;
    let fn = 0;
    for (let j = 0; j < c.classes; j++) {
      if (j === k) continue;
      fp += c.matrix[j]![k]!;
      fn += c.matrix[k]![j]!;
    }
    const d = 2 * tp + fp + fn;
    return d === 0 ? 0 : (2 * tp) / d;
  });
}

/** The unweighted mean of the per-class F1 (NaN for no samples). */
export function macroF1(c: Confusion): number {
  if (c.total === 0) return NaN;
  const f = f1PerClass(c);
  return f.reduce((a, b) => a + b, 0) / f.length;
}
