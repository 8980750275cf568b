// How every test and the browser benchmark start Debian's Chromium (headless, as root, with
// nothing that reaches the network by itself). CommonJS so that both the ESM Playwright config
// and the CommonJS bench-web.js can load it.
'use strict';

module.exports = {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
};
