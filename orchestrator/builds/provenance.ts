import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { execa } from 'execa';

export function sha256File(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

export async function qemuVersionLine(binary: string, env: Record<string, string>): Promise<string> {
  const result = await execa(binary, ['--version'], { env, reject: false, all: true, stdin: 'ignore' });
  return (result.all ?? '').split('\n')[0]?.trim() ?? '';
}
