// Comparing a tensor with a PyTorch fixture, shared by the packages' fixture tests.

/**
 * |got - want| <= rtol |want| + rtol max|want|. The second term is the same relative bound taken
 * on the tensor's largest element, for elements that come out near zero by cancellation (sums,
 * centred values), where an elementwise relative bound means nothing. Returns the worst
 * mismatch, or null.
 * @param {{ shape: readonly number[], data(): Promise<ArrayLike<number>> } | null} got
 * @param {{ shape: number[], data: number[] }} want
 * @param {number} rtol
 * @returns {Promise<string | null>}
 */
export async function compareFixture(got, want, rtol) {
  if (!got) return 'no tensor (gradient missing)';
  if (got.shape.join(',') !== want.shape.join(',')) return `shape [${got.shape.join(', ')}], expected [${want.shape.join(', ')}]`;
  const data = await got.data();
  const scale = want.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  let worst = null;
  let worstRatio = 1;
  for (let i = 0; i < want.data.length; i++) {
    const g = data[i];
    const e = want.data[i];
    const allowed = rtol * (Math.abs(e) + scale);
    const err = Math.abs(g - e);
    if (!(err <= allowed) && (Number.isNaN(err) || err / allowed > worstRatio)) {
      worstRatio = Number.isNaN(err) ? Infinity : err / allowed;
      worst = `element ${i}: got ${g}, expected ${e} (|diff| ${err.toExponential(2)} > ${allowed.toExponential(2)})`;
    }
  }
  return worst;
}
