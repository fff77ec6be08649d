// @ts-check
/** The pages' own elements, looked up typed: one missing or of another kind is a bug in the HTML, said at once. */

/**
 * @template {Element} T
 * @param {string} id
 * @param {new () => T} type
 * @returns {T}
 */
export function byId(id, type) {
  return ofType(document.getElementById(id), type, `#${id}`);
}

/**
 * @template {Element} T
 * @param {ParentNode} parent
 * @param {string} selector
 * @param {new () => T} type
 * @returns {T}
 */
export function find(parent, selector, type) {
  return ofType(parent.querySelector(selector), type, selector);
}

/**
 * @template {Element} T
 * @param {Element | null} element
 * @param {new () => T} type
 * @param {string} what
 * @returns {T}
 */
function ofType(element, type, what) {
  if (!(element instanceof type)) throw new Error(`${what} is not a ${type.name} on this page`);
  return element;
}
