import type { MaybePromise } from './ports';

/** True when `v` is a thenable. */
export function isThenable<T>(v: MaybePromise<T>): v is Promise<T> {
  return !!v && typeof (v as { then?: unknown }).then === 'function';
}

/**
 * Run `next` with the value of `v`, synchronously when `v` is not a Promise. Keeps simulated runs
 * deterministic when every port answers synchronously. Errors (thrown or rejected) go to `fail`.
 */
export function after<T, R>(
  v: () => MaybePromise<T>,
  next: (value: T) => MaybePromise<R>,
  fail: (e: unknown) => MaybePromise<R>,
): MaybePromise<R> {
  let value: MaybePromise<T>;
  try {
    value = v();
  } catch (e) {
    return fail(e);
  }
  if (isThenable(value)) return value.then(next, fail);
  return next(value);
}

/**
 * Run the steps in order, each after the previous one settled; like `after` for a list. `call` runs
 * one step (e.g. with a time limit); a step that throws or rejects goes to `fail` and the next one runs.
 */
export function sequence(
  steps: (() => MaybePromise<unknown>)[],
  fail: (e: unknown, index: number) => void,
  call: (step: () => MaybePromise<unknown>) => MaybePromise<unknown>,
): MaybePromise<void> {
  let i = 0;
  const run = (): MaybePromise<void> => {
    while (i < steps.length) {
      const index = i++;
      let r: MaybePromise<unknown>;
      try {
        r = call(steps[index]);
      } catch (e) {
        fail(e, index);
        continue;
      }
      if (isThenable(r)) {
        return r.then(
          () => run(),
          (e: unknown) => {
            fail(e, index);
            return run();
          },
        );
      }
    }
    return undefined;
  };
  return run();
}

/** Continue with `fn` once `v` settled (synchronously when it is not a Promise). Rejections pass `fn` too. */
export function andThen<R>(v: MaybePromise<unknown>, fn: () => MaybePromise<R>): MaybePromise<R> {
  if (isThenable(v)) return v.then(fn, fn);
  return fn();
}
