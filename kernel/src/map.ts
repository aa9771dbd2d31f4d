import { map as coreMap } from '@taskcell/core';
import { DISPLAY_SYMBOL, tableBundle } from '@taskcell/display';

/**
 * Shadows core's map: the same map, whose result shows in the notebook as its table (item, outputs
 * by port, state, duration, place) through the table renderer.
 */
export function map(...args: Parameters<typeof coreMap>): ReturnType<typeof coreMap> {
  return coreMap(...args).then((result) =>
    Object.defineProperty(result, DISPLAY_SYMBOL, { value: () => tableBundle(result.table), enumerable: false }),
  );
}
