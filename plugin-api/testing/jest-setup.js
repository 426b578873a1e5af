// Browser APIs that jsdom lacks and @grafana/ui needs; both plugins' jest-setup.js import this after
// the scaffold's own .config/jest-setup.

// jsdom has no canvas; @grafana/ui measures text (Combobox, auto-sized inputs) with one.
HTMLCanvasElement.prototype.getContext = function getContext() {
  return {
    measureText: (text) => ({
      width: String(text).length * 8,
      actualBoundingBoxAscent: 8,
      actualBoundingBoxDescent: 2,
    }),
    font: '',
  };
};

// Combobox lists are virtualised (@tanstack/react-virtual reads clientWidth/clientHeight of the
// scroll container); jsdom reports 0, so nothing would render. Give elements a size.
Object.defineProperties(HTMLElement.prototype, {
  clientHeight: { configurable: true, get: () => 400 },
  clientWidth: { configurable: true, get: () => 400 },
});

// Browser observers that jsdom lacks (used by @grafana/ui lists and scroll indicators).
class ObserverStub {
  observe() {}
  unobserve() {}
  disconnect() {}
  takeRecords() {
    return [];
  }
}
global.IntersectionObserver = global.IntersectionObserver || ObserverStub;
global.ResizeObserver = global.ResizeObserver || ObserverStub;

// Virtualised lists render only what fits; jsdom reports every box as 0x0, so report a size.
Element.prototype.getBoundingClientRect = function getBoundingClientRect() {
  return { width: 120, height: 120, top: 0, left: 0, bottom: 120, right: 120, x: 0, y: 0, toJSON: () => ({}) };
};

// i18next (inside @grafana/i18n) advertises itself on every init; keep test output readable.
const consoleInfo = console.info;
console.info = (...args) => {
  if (typeof args[0] === 'string' && args[0].includes('i18next is made possible')) {
    return;
  }
  consoleInfo(...args);
};
