import { boot } from './boot.js';
// document.currentScript is only set while this file first runs, so it is read here, at once.
boot({ win: window, script: document.currentScript });
