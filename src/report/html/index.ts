/** The HTML reports (issue 13): one self-contained page per report, from the JSON report objects. */
export { renderInspectHtml, imagePageData, type ImagePageData } from './inspect-html.js';
export { renderBinaryHtml, BINARY_KEYS, type BinaryPageData } from './binary-html.js';
export { escapeHtml, jsonForScript } from './page-shell.js';
export { renderCompareHtml, DIFF_KEYS, type CompareHtmlInput, type ComparePageData } from './compare-html.js';
