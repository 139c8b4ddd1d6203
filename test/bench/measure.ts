/** A small timing helper for benchmarks: runs `fn` repeatedly for about `ms` and reports ops/s. */
export function opsPerSecond(fn: () => void, ms = 300): number {
  // Warm up so the JIT has compiled the path being measured.
  const warmEnd = performance.now() + ms / 4;
  while (performance.now() < warmEnd) fn();
  let ops = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 64; i++) fn();
    ops += 64;
    now = performance.now();
  }
  return Math.round((ops * 1000) / (now - start));
}
