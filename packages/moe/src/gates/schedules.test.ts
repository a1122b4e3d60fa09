import { expect, test } from 'vitest';
import { ValueError } from '@nonlinear/tensor';
import { exponentialTemperature, linearTemperature, temperatureSchedule } from '../index.js';

const o = { tauMax: 2, tauMin: 0.5, steps: 100 };

test('exponential: tauMax at 0, the geometric mean at D/2, tauMin from D on', () => {
  const tau = temperatureSchedule(o);
  expect(tau(0)).toBe(2);
  expect(tau(50)).toBeCloseTo(Math.sqrt(2 * 0.5), 12);
  expect(tau(25)).toBeCloseTo(2 * 0.25 ** 0.25, 12);
  expect(tau(100)).toBeCloseTo(0.5, 12);
  expect(tau(1000)).toBe(0.5);
  expect(exponentialTemperature(75, o)).toBe(tau(75));
});

test('linear: a straight line from tauMax to tauMin, then flat', () => {
  const tau = temperatureSchedule({ ...o, kind: 'linear' });
  expect(tau(0)).toBe(2);
  expect(tau(50)).toBeCloseTo(1.25, 12);
  expect(tau(20)).toBeCloseTo(1.7, 12);
  expect(tau(100)).toBeCloseTo(0.5, 12);
  expect(tau(500)).toBe(0.5);
  expect(linearTemperature(30, o)).toBeCloseTo(1.55, 12);
  expect(temperatureSchedule({ ...o, kind: 'constant' })(70)).toBe(2);
});

test('bad schedules give ValueErrors', () => {
  expect(() => temperatureSchedule({ ...o, tauMin: 3 })).toThrow(/tauMin must be in \(0, tauMax = 2\], got 3/);
  expect(() => temperatureSchedule({ ...o, tauMax: 0 })).toThrow(ValueError);
  expect(() => temperatureSchedule({ ...o, steps: 0 })).toThrow(/steps must be a finite number > 0/);
  expect(() => temperatureSchedule({ ...o, kind: 'cosine' as never })).toThrow(/kind must be/);
  expect(() => temperatureSchedule(o)(-1)).toThrow(/step must be a number >= 0/);
});
