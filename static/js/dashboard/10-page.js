/*
 * Minyi live dashboard.
 *
 * Fetches the results once, then follows the live stream: every "tally"
 * event carries the whole results body (unweighted, flagged included) and is
 * rendered in place; with flagged responses excluded or weighting on, an
 * event instead triggers a fetch of the results in that view. When the
 * stream drops, the last figures stay on screen, the status says so,
 * EventSource reconnects by itself and the results are fetched anew once it
 * is back. Breakdowns by town, age band and gender are fetched at most every
 * 10 s while events arrive.
 *
 * Charts are Apache ECharts (vendored, canvas renderer); the tables hold the
 * same figures for screen readers, phones without the charts, and tests
 * (data-* attributes). ES2017 at most, no inline code (the CSP allows 'self'
 * only), and every text from the server goes in with textContent or as
 * canvas text, never as markup.
 *
 * The files of static/js/dashboard share one scope (with those of
 * static/js/common named for dashboard.js): this one holds the page's
 * constants and state.
 */

const root = byId('dash');
const pageData = root ? root.dataset : {};
const RESULTS = pageData.results;
const LIVE = pageData.live;
const TITLE = pageData.title || '';
const TITLE_EN = pageData.titleEn || '';
const UNIT = pageData.unit || ''; // a unit's page: the results are that unit's
const RETRY_MIN = 3000; // ms, after a failed fetch or a closed stream
const RETRY_MAX = 60000;
const BY_EVERY = 10000; // ms between breakdown fetches while events arrive
const HOUR = 3600000;
const TIMELINE_SPAN = 7 * 24 * HOUR; // hours shown in the timeline chart
const LANG_KEY = 'minyi:dashboard:lang';
const BREAKDOWNS = ['town', 'age', 'gender'];

// Colours: dark enough on white for a projector (WCAG AA at least).
const C = {
  bar: '#1f5fae',
  low: '#b4bcc7',
  lowText: '#6b7480',
  whisker: '#111111',
  dk: '#c24e00',
  text: '#1b1b1b',
  muted: '#4a4a4a',
  grid: '#dde3ea'
};

let lang = pickLang();
let view = 'index'; // or "rate"
let flagged = 'include'; // or "exclude"
let weighted = false;
let last = null; // the results body on screen
let lastAt = 0; // Date.now() when it arrived, to move as_of on
const byBody = {}; // breakdown role → its last body, or null when the survey has none
let hasUnits = false; // unweighted bodies rank units
let limits = { low_sample: 30, rank_min_n: 100 }; // the survey's thresholds, from the body
let hasPrevious = false; // unweighted bodies compare with last year

const charts = {};
let source = null;
let connState = 'connecting';
let stopped = false; // access denied or survey gone: no more requests
let events = 0; // tally events rendered, to drop a fetch overtaken by one
let fetching = false;
let fetchAgain = false;
let needSync = false;
let retryDelay = RETRY_MIN;
let byAt = 0; // when breakdowns were last fetched
let byTimer = 0;
let byDirty = false;
