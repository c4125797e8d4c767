#!/usr/bin/env node
'use strict';
// `npx temporal-webhooks`: the TypeScript source through tsx in a checkout, the compiled CLI
// (npm run build) where dev dependencies are not installed.
const path = require('node:path');

let tsx;
try {
  tsx = require.resolve('tsx/cjs');
} catch {
  tsx = undefined;
}
if (tsx) {
  require(tsx);
  require(path.join(__dirname, '..', 'src', 'cli', 'main.ts'));
} else {
  require(path.join(__dirname, '..', 'dist', 'src', 'cli', 'main.js'));
}
