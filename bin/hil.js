#!/usr/bin/env node
// The `hil` command. The harness is TypeScript run without a build step: tsx loads it.
import { register } from 'tsx/esm/api';

register();
await import('../harness/cli/main.ts');
