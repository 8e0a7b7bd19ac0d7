#!/usr/bin/env node
// setup.mjs — runs before `npm start` and `npm test` (and in .ci/run), in plain
// JavaScript because node_modules may not exist yet. It installs what AIOS needs
// when it can (Debian packages as root, then `npm ci`) and otherwise says exactly
// what is missing and the command that brings it.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";

const tools = JSON.parse(readFileSync(new URL("./debian-tools.json", import.meta.url), "utf8"));

function present(command) {
  if (command.startsWith("/")) return existsSync(command);
  return spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0;
}

const missing = [...new Set(Object.values(tools).filter((t) => !present(t.command)).map((t) => t.debianPackage))];
if (missing.length > 0) {
  const isRoot = process.getuid?.() === 0;
  const hasApt = present("apt-get");
  if (isRoot && hasApt) {
    console.log(`setup: installing Debian packages: ${missing.join(" ")}`);
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
    execFileSync("apt-get", ["install", "-y", "-qq", ...missing], { stdio: "inherit", env });
  } else {
    console.error(`setup: AIOS needs these Debian packages: ${missing.join(" ")}`);
    console.error(`setup: install them with: sudo apt-get install ${missing.join(" ")}`);
    process.exit(1);
  }
}

const lock = JSON.parse(readFileSync("package-lock.json", "utf8"));
const needed = Object.keys(lock.packages?.[""]?.devDependencies ?? {});
if (!needed.every((name) => existsSync(`node_modules/${name}/package.json`))) {
  console.log("setup: installing npm packages (npm ci)");
  execFileSync("npm", ["ci", "--no-audit", "--no-fund"], { stdio: "inherit" });
}
