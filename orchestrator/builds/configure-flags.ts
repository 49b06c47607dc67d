/**
 * Which of slotlab's configure flags a QEMU tree knows, read from its own
 * configure (`--help`, and the options its script accepts without listing
 * them): a flag the tree does not know is left out (QEMU 8.2 dropped
 * --with-git-submodules, for one), and the flags newer trees need are added
 * from the version they apply to. On 7.2 the result is exactly
 * CONFIGURE_FLAGS, so its cached builds keep their keys.
 */

/** What slotlab reads of a tree before configuring it. */
export interface TreeConfigure {
  /** The tree's VERSION, e.g. `10.0.13`. */
  version: string;
  /** `configure --help`. */
  help: string;
  /** The configure script itself (some options, e.g. --disable-download, are accepted but not listed). */
  script: string;
}

/**
 * Added to slotlab's flags for trees of `since` or later that know them. QEMU
 * 8.1 and later fetch missing Python packages and subprojects from the network
 * unless told not to, and a DFSG tree (Debian's) lacks the firmware blobs its
 * pc-bios/ would install; slotlab builds only the binary, whose firmware is
 * the system's (--firmwarepath). Rust is not needed for the x86 machines.
 */
export const NEWER_TREE_FLAGS: readonly { flag: string; since: string }[] = [
  { flag: '--disable-download', since: '8.1' },
  { flag: '--disable-install-blobs', since: '8.1' },
  { flag: '--disable-rust', since: '8.1' },
];

/** The option a flag sets, as configure --help spells it: `--enable-fdt=system` -> `--enable-fdt`. */
function optionOf(flag: string): string {
  return flag.replace(/=.*$/, '');
}

/** Feature names under configure --help's "Optional features" heading (`--enable-F` / `--disable-F`). */
function featureNames(help: string): Set<string> {
  const at = help.search(/^Optional features, enabled with --enable-FEATURE/m);
  if (at < 0) return new Set();
  const names = [...help.slice(at).matchAll(/^ {2}([a-z0-9][a-z0-9_-]*) {2,}/gm)].map((match) => match[1]!);
  return new Set(names);
}

const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Whether a tree whose configure prints `help` (and is `script`) accepts `flag`. */
export function configureKnows(help: string, flag: string, script = ''): boolean {
  const option = optionOf(flag);
  if (new RegExp(`(^|\\s)${escaped(option)}(?=[\\s=\\[]|$)`, 'm').test(help)) return true;
  // A case label of the script's option parser: `  --disable-download) ...`.
  if (new RegExp(`^\\s*${escaped(option)}(=\\*)?\\)`, 'm').test(script)) return true;
  const feature = /^--(?:enable|disable)-(.+)$/.exec(option)?.[1];
  return feature !== undefined && featureNames(help).has(feature);
}

/** Whether version `a` is `b` or later (numeric, dot-separated). */
export function versionAtLeast(a: string, b: string): boolean {
  const left = a.split('.').map(Number);
  const right = b.split('.').map(Number);
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const [x, y] = [left[i] ?? 0, right[i] ?? 0];
    if (x !== y) return x > y;
  }
  return true;
}

export interface TreeFlags {
  /** What configure is given, in order. */
  flags: string[];
  /** slotlab's flags this tree's configure does not list. */
  dropped: string[];
}

/** slotlab's flags the tree knows, then the newer trees' flags that apply to it. */
export function flagsForTree(tree: TreeConfigure, base: readonly string[]): TreeFlags {
  const kept = base.filter((flag) => configureKnows(tree.help, flag, tree.script));
  const added = NEWER_TREE_FLAGS.filter(({ flag, since }) => !base.includes(flag) && versionAtLeast(tree.version, since) && configureKnows(tree.help, flag, tree.script)).map(({ flag }) => flag);
  return { flags: [...kept, ...added], dropped: base.filter((flag) => !kept.includes(flag)) };
}
