// NHS.UK frontend v10 ships as an ES module: import it and start every component on the page.
// Module scripts run after the deferred portal.js, so <body> already has `nhsuk-frontend-supported`.
import { initAll } from './nhsuk/nhsuk-frontend.min.js';

initAll();
