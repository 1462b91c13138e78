#!/usr/bin/env -S node --
'use strict';
// "--": Node 20 reads a script argument "--env-file FILE" as its own option and exits when FILE is missing
// (nodejs/node#54232); after "--" it leaves it to the script.
const { runCli } = require('../dist/cli.js');
runCli();
