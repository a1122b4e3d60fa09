/** A labelled range input that shows its value; calls onInput with the number on every move. */
export function slider(
  parent: HTMLElement,
  id: string,
  label: string,
  range: { min: number; max: number; step: number; value: number },
  onInput: (value: number) => void,
): HTMLInputElement {
  const wrap = document.createElement('label');
  wrap.className = 'slider';
  const name = document.createElement('span');
  name.textContent = label;
  const input = document.createElement('input');
  input.type = 'range';
  input.id = id;
  input.min = String(range.min);
  input.max = String(range.max);
  input.step = String(range.step);
  input.value = String(range.value);
  const out = document.createElement('output');
  out.textContent = input.value;
  input.addEventListener('input', () => {
    out.textContent = input.value;
    onInput(Number(input.value));
  });
  wrap.append(name, input, out);
  parent.append(wrap);
  return input;
}

/** A button that runs an async action, disabled while it runs. */
export function button(parent: HTMLElement, id: string, text: string, action: () => Promise<void> | void): HTMLButtonElement {
  const b = document.createElement('button');
  b.id = id;
  b.textContent = text;
  b.addEventListener('click', async () => {
    b.disabled = true;
    try {
      await action();
    } finally {
      b.disabled = false;
    }
  });
  parent.append(b);
  return b;
}

/**
 * Runs `work` at most once at a time, coalescing calls that arrive meanwhile into one rerun:
 * sliders fire faster than a GPU round trip, and only the latest setting matters.
 */
export function latest(work: () => Promise<void>, onError: (e: unknown) => void): () => Promise<void> {
  let running: Promise<void> | null = null;
  let again = false;
  const loop = async (): Promise<void> => {
    do {
      again = false;
      try {
        await work();
      } catch (e) {
        onError(e);
      }
    } while (again);
    running = null;
  };
  return () => {
    if (running) {
      again = true;
      return running;
    }
    running = loop();
    return running;
  };
}
