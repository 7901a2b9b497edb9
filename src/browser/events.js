import { log } from './log.js';
/**
 * Dispatches a bubbling `kfunnel:<name>` CustomEvent; false when a listener cancelled it. A throwing
 * listener is the browser's to report: dispatchEvent never passes the exception on to the funnel.
 */
export function emit(target, name, detail, cancelable = false) {
    log.debug(name, detail);
    return target.dispatchEvent(new CustomEvent(`kfunnel:${name}`, { bubbles: true, cancelable, detail }));
}
