#!/usr/bin/env node
// The provision-linux command: a committed entry so package managers can link it before the build exists.
import '../dist/cli.js';
