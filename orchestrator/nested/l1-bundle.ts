#!/usr/bin/env node
/**
 * `npm run build`'s last step: the CLI as one ES module for the jobs that run
 * inside a kernel under test. There node loads from the host's root over 9p
 * under TCG, and resolving and reading the CLI's few hundred modules took about
 * 45 s per job (`node dist/orchestrator/cli/main.js help`: 58 s in L1, the bundle
 * 13 s, node itself 11 s); the bundle is the same code, read as one file. On the
 * host the CLI keeps running from its modules (tap's coverage maps them).
 */
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../paths.js';

export const L1_CLI_BUNDLE = path.join(repoRoot, 'dist', 'orchestrator', 'cli', 'main.bundle.mjs');
const CLI_MODULE = path.join(repoRoot, 'dist', 'orchestrator', 'cli', 'main.js');

/** What a job in L1 runs: the bundle when it is at least as new as the modules it was made from, else the modules. */
export function l1CliEntry(): string {
  if (!fs.existsSync(L1_CLI_BUNDLE) || !fs.existsSync(CLI_MODULE)) return CLI_MODULE;
  return fs.statSync(L1_CLI_BUNDLE).mtimeMs >= fs.statSync(CLI_MODULE).mtimeMs ? L1_CLI_BUNDLE : CLI_MODULE;
}

/**
 * Bundles ES modules the way L1 loads them best: one file each, node 20, names kept, and `require`
 * defined for the CommonJS dependencies (cross-spawn under execa) that require node's own modules.
 * `options` says what and where (entryPoints with outfile, or outdir).
 */
export async function bundleForL1(options: { entryPoints: string[]; outfile?: string; outdir?: string; outbase?: string; outExtension?: Record<string, string> }): Promise<void> {
  // A build-time tool (a devDependency): loaded only when bundling, never by the CLI itself.
  const { build } = await import('esbuild');
  await build({
    ...options,
    keepNames: true,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
    banner: { js: "import { createRequire as slotlabRequire } from 'node:module'; const require = slotlabRequire(import.meta.url);" },
  });
}

export async function bundleCli(): Promise<void> {
  await bundleForL1({ entryPoints: [CLI_MODULE], outfile: L1_CLI_BUNDLE });
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.join(repoRoot, 'dist', 'orchestrator', 'nested', 'l1-bundle.js')) {
  bundleCli().catch((error: unknown) => {
    process.stderr.write(`slotlab: bundling the CLI for kernels under test failed: ${(error as Error).message}\n`);
    process.exitCode = 1;
  });
}
