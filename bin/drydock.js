#!/usr/bin/env -S node --disable-warning=ExperimentalWarning
// drydock's command line. Node 22.18+ runs the TypeScript sources directly (type stripping).
import '../src/cli/main.ts';
