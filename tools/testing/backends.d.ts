/** The backends a test file runs on: cpu, and webgpu where an adapter exists (required under CI=true). */
export declare function testBackends<B>(initBackend: (name: 'cpu' | 'webgpu') => Promise<B & { description: string }>): Promise<B[]>;
