#!/usr/bin/env node
'use strict';
const { runCli } = require('../dist/cli.js');
runCli();
