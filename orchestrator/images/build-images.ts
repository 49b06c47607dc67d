import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { type ProcessFailure, ProcessError, SlotlabError, noProcess, processFailure } from '../errors.js';
import { imageBuildDir, imagesDir } from '../paths.js';

export const IMAGE_NAMES = ['spin'] as const;
export type ImageName = (typeof IMAGE_NAMES)[number];

export class ImageBuildError extends ProcessError {
  constructor(name: string, detail: string, failure: ProcessFailure = noProcess(detail)) {
    super('IMAGE_BUILD_FAILED', `building guest image '${name}' failed: ${detail}`, failure);
  }
}

export class ImageMissingError extends SlotlabError {
  constructor(name: string, file: string) {
    super('IMAGE_MISSING', `guest image '${name}' is not built (${file} is missing or stale); run \`slotlab setup\` (or \`npm run setup\`)`);
  }
}

export function imagePath(name: ImageName): string {
  return path.join(imageBuildDir, `${name}.bin`);
}

function sourcePath(name: ImageName): string {
  return path.join(imagesDir, name, `${name}.asm`);
}

async function inputsKey(name: ImageName): Promise<string> {
  const { stdout } = await execa('nasm', ['-v']).catch((error: unknown) => {
    throw new ImageBuildError(name, `nasm is not available (${(error as Error).message}); run \`slotlab setup\` to install it`);
  });
  return createHash('sha256').update(fs.readFileSync(sourcePath(name))).update(stdout).digest('hex');
}

/** Assembles the image unless a build from the same source and nasm version is present. */
export async function buildImage(name: ImageName): Promise<{ path: string; cached: boolean }> {
  const output = imagePath(name);
  const keyFile = `${output}.inputs-sha256`;
  const key = await inputsKey(name);
  if (fs.existsSync(output) && fs.existsSync(keyFile) && fs.readFileSync(keyFile, 'utf8').trim() === key) {
    const now = new Date();
    // same inputs, newer source file (a checkout): the build stays, requireImage must accept it
    if (fs.statSync(output).mtimeMs < fs.statSync(sourcePath(name)).mtimeMs) fs.utimesSync(output, now, now);
    return { path: output, cached: true };
  }
  fs.mkdirSync(imageBuildDir, { recursive: true });
  const result = await execa('nasm', ['-f', 'bin', '-o', `${output}.tmp`, sourcePath(name)], { reject: false, all: true });
  if (result.exitCode !== 0) throw new ImageBuildError(name, `nasm exited with ${result.exitCode}:\n${result.all}`, processFailure(result, { tailLines: 40 }));
  fs.renameSync(`${output}.tmp`, output);
  fs.writeFileSync(keyFile, `${key}\n`);
  return { path: output, cached: false };
}

/** The image file, checked to exist; it does not build. */
export class UserImageError extends SlotlabError {
  constructor(file: string, detail: string) {
    super('BAD_IMAGE', `--image ${file}: ${detail}; give a multiboot image file (see images/README.md for the guest contract)`);
  }
}

/** A user's multiboot image: must exist and carry a multiboot header in its first 8 KiB. */
export function requireUserImage(file: string): string {
  const resolved = path.resolve(file);
  let head: Buffer;
  try {
    head = fs.readFileSync(resolved).subarray(0, 8192);
  } catch {
    throw new UserImageError(file, 'cannot be read');
  }
  for (let offset = 0; offset + 12 <= head.length; offset += 4) {
    const magic = head.readUInt32LE(offset);
    if (magic === 0x1badb002 && ((magic + head.readUInt32LE(offset + 4) + head.readUInt32LE(offset + 8)) & 0xffffffff) === 0) return resolved;
  }
  throw new UserImageError(file, 'has no multiboot header (magic 0x1badb002 with a valid checksum) in its first 8 KiB');
}

/** The built image, refused when missing or older than its source (an edited guest must not run stale). */
export function requireImage(name: ImageName): string {
  const output = imagePath(name);
  if (!fs.existsSync(output) || fs.statSync(output).mtimeMs < fs.statSync(sourcePath(name)).mtimeMs) throw new ImageMissingError(name, output);
  return output;
}
