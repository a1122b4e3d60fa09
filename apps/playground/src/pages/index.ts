import * as T from '@nonlinear/tensor';
import { DEMOS, startPage, type PageContext } from '../app/frame.js';

const BLURBS: Record<(typeof DEMOS)[number]['page'], string> = {
  activations: 'PolyReLU, PolyNorm, GELU and SwiGLU with their derivatives from autograd; sliders for the order and the coefficients.',
  kan: 'An AF-KAN and an MLP of equal parameter count trained side by side on a 2-D function: live loss curves and learned edge functions.',
  moe: 'A router over 2-D inputs coloured by expert under softmax, temperature and activation gates, with the temperature annealing live.',
};

async function run({ backend, main }: PageContext): Promise<void> {
  const list = document.createElement('ul');
  for (const d of DEMOS) {
    const li = document.createElement('li');
    const a = Object.assign(document.createElement('a'), { href: `./${d.page}.html${location.search}`, textContent: d.title });
    li.append(a, ` - ${BLURBS[d.page]}`);
    list.append(li);
  }
  main.append(list);
  // A first kernel, read back, proves the backend works before the page says it is ready.
  const check = T.tidy(() => T.matmul(T.ones([4, 8]), T.ones([8, 2])).sum());
  const total = (await check.data())[0];
  check.dispose();
  const p = document.createElement('p');
  p.className = 'stats';
  p.id = 'self-check';
  p.textContent = `Self-check on ${backend.name} (${backend.description}): sum(ones(4,8) @ ones(8,2)) = ${total} (expected 64).`;
  main.append(p);
  if (total !== 64) throw new Error(`self-check: expected 64, got ${total}`);
}

void startPage('index', 'nonlinear playground', run);
