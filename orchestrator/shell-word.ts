/** A string as one word of a POSIX shell line (single-quoted; a quote inside becomes '\''). */
export function shellWord(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
