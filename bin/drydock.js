#!/usr/bin/env -S node --disable-warning=ExperimentalWarning
// drydock's command line. Node 22.18+ runs the TypeScript sources directly (type stripping); the node@22
// devDependency puts such a Node first on PATH for npx and npm scripts. The check is here rather than in
// package.json's `engines`: npx installs the project into its cache before running its own bin, and
// checks `engines` against the Node running npm (perhaps an older system Node), not the one that runs
// drydock, so `npx drydock` warned on every first run where it would work fine.
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `drydock needs Node 22.18 or later, and ${process.execPath} is Node ${process.versions.node}. ` +
      'Run it with npx drydock after npm install (the node@22 devDependency provides Node 22), or install Node 22.\n',
  );
  process.exit(1);
}
await import('../src/cli/main.ts');
