// The only way the front ends build DOM: element, attributes, children. Text always goes in as
// text nodes (textContent); there is no innerHTML anywhere, so user data can never become markup.

/**
 * h("button", {type: "button", class: "x", onclick: fn, "aria-label": "Send"}, "Send")
 * Attributes starting with "on" become listeners; `hidden`/`disabled` booleans; `dataset`.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, any>} [attrs]
 * @param {...any} children strings, numbers, nodes, arrays, null/false (skipped)
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else if (key === "dataset") {
      Object.assign(el.dataset, value);
    } else if (key === "class") {
      el.className = value;
    } else if (key === "value") {
      /** @type {any} */ (el).value = value; // the property: the current value of a field
    } else if (value === true) {
      el.setAttribute(key, "");
    } else {
      el.setAttribute(key, String(value));
    }
  }
  append(el, children);
  return el;
}

/**
 * Append children (strings become text nodes; arrays are flattened).
 * @template {Element} E
 * @param {E} el
 * @param {...any} children
 * @returns {E}
 */
export function append(el, ...children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/**
 * Replace all children.
 * @template {Element} E
 * @param {E} el
 * @param {...any} children
 * @returns {E}
 */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/**
 * Text for screen readers only (the class is styled in each front end's CSS).
 * @param {string} text
 */
export function srOnly(text) {
  return h("span", { class: "sr-only" }, text);
}

const SVG = "http://www.w3.org/2000/svg";

/**
 * A small inline SVG icon from path data (decorative: hidden from screen readers).
 * @param {string} pathData
 * @param {number} [size]
 */
export function icon(pathData, size = 24) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("width", String(size));
  svg.setAttribute("height", String(size));
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", pathData);
  path.setAttribute("fill", "currentColor");
  svg.append(path);
  return svg;
}
