#!/usr/bin/env node
// The npm package's `pgboot` command: runs the static binary that ships in the
// package of this platform (@pgboot/linux-x64 or @pgboot/linux-arm64, an
// optional dependency that npm installs only where its os and cpu fields
// match), with the same arguments, standard streams, exit code and signal.
// Node cannot exec(2): the binary runs as a child, and SIGTERM, SIGINT, SIGHUP
// and SIGQUIT sent to this process are passed on to it.
'use strict';

const { spawn } = require('child_process');
const os = require('os');

const PACKAGES = {
  'linux x64': '@pgboot/linux-x64',
  'linux arm64': '@pgboot/linux-arm64',
};
const FORWARDED = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT'];

function fail(message) {
  process.stderr.write(`pgboot: ${message}\n`);
  process.exit(1);
}

function binaryPath() {
  const platform = `${process.platform} ${process.arch}`;
  const pkg = PACKAGES[platform];
  if (!pkg) {
    fail(`no binary for ${platform} in the npm package (there is one for linux x64 and linux arm64); ` +
      'build it from source: make static');
  }
  try {
    return require.resolve(`${pkg}/bin/pgboot`);
  } catch (err) {
    if (err && err.code === 'MODULE_NOT_FOUND') {
      fail(`the package "${pkg}" with the binary for ${platform} is not installed ` +
        '(optional dependencies omitted?); reinstall pgboot without --omit=optional or --no-optional');
    }
    fail(`cannot find the binary of "${pkg}": ${err && err.message}`);
  }
  return null;
}

function main() {
  const bin = binaryPath();
  const child = spawn(bin, process.argv.slice(2), { stdio: 'inherit' });
  const forward = (sig) => {
    try { child.kill(sig); } catch (_) { /* already gone */ }
  };
  for (const sig of FORWARDED) process.on(sig, forward);
  child.on('error', (err) => fail(`cannot run ${bin}: ${err.message}`));
  child.on('exit', (code, signal) => {
    for (const sig of FORWARDED) process.removeListener(sig, forward);
    if (signal) {
      // End the same way, so the caller sees the signal; 128+N if it did not kill us.
      process.kill(process.pid, signal);
      process.exit(128 + (os.constants.signals[signal] || 0));
    }
    process.exit(code === null ? 1 : code);
  });
}

main();
