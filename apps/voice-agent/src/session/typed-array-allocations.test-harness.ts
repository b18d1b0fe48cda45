/** Test helpers for the voice agent's audio buffering specs. */

/** Counts the elements every `new Int16Array(…)` and `new Float32Array(…)` in this realm allocates while installed. */
export function countAllocations(): { readonly int16: number; readonly float32: number; restore(): void } {
  const { Int16Array: RealInt16, Float32Array: RealFloat32 } = globalThis;
  const counts = { int16: 0, float32: 0 };
  const counting = <T extends object>(Real: T, key: keyof typeof counts): T =>
    new Proxy(Real, {
      construct(target, args, newTarget) {
        const made = Reflect.construct(target as new (...a: unknown[]) => ArrayLike<number>, args, newTarget) as ArrayLike<number> & object;
        counts[key] += made.length;
        return made;
      },
    });
  globalThis.Int16Array = counting(RealInt16, 'int16');
  globalThis.Float32Array = counting(RealFloat32, 'float32');
  return {
    get int16() {
      return counts.int16;
    },
    get float32() {
      return counts.float32;
    },
    restore: () => {
      globalThis.Int16Array = RealInt16;
      globalThis.Float32Array = RealFloat32;
    },
  };
}
