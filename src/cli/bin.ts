#!/usr/bin/env node
// Entry point of `sluice` and `kubectl-sluice` (kubectl runs plugins named kubectl-NAME from PATH).
import { runCli } from "./main.ts";

process.exitCode = await runCli(process.argv.slice(2));
