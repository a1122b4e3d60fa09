/** Compares a tensor with a fixture within rtol (|want| + max|want|); the worst mismatch, or null. */
export declare function compareFixture(
  got: { readonly shape: readonly number[]; data(): Promise<ArrayLike<number>> } | null,
  want: { shape: number[]; data: number[] },
  rtol: number,
): Promise<string | null>;
