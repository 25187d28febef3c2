// Writes config.example.json from the schema's defaults (run `npm run config:example` after changing an option).
import { writeFileSync } from 'node:fs';
import { defaultConfig } from '../dist/src/config/load.js';

writeFileSync(new URL('../config.example.json', import.meta.url), JSON.stringify(defaultConfig(), null, 2) + '\n');
console.log('wrote config.example.json');
