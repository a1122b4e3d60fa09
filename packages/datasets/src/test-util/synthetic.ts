/** A Fashion-MNIST class file with `n` images whose first two pixels are (class, index). */
export function fashionJson(c: number, n: number, extra: unknown[] = []): string {
  const rows = Array.from({ length: n }, (_, i) => Array.from({ length: 784 }, (_, p) => (p === 0 ? c : p === 1 ? i : (c + i + p) % 256)));
  return JSON.stringify({ data: [...rows, ...extra] });
}
