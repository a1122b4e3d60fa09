// Not built yet: this package is scaffolded so the layout is visible. It exports nothing.
export {};
