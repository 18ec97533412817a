/** One marked leak of the corpus, and what each detector said of it. */
export interface CompareRow {
  /** `file:line` of the `// leak:` marker. */
  at: string
  type: string
  /** The test testkit attributed it to ('(file scope)' for the file), or undefined if missed. */
  testkit: string | undefined
  /** What --detectAsyncLeaks reported there, or undefined if missed. */
  async: string | undefined
}

export function compareCorpus(): {
  rows: CompareRow[]
  unmatched: Array<{ type: string; file: string; at: string | undefined }>
}
export function printCompare(result: ReturnType<typeof compareCorpus>): void

/** Pids of running processes started by the corpus's never-ending children. */
export function corpusChildren(): string[]

/** Every `// leak: Type` marker of the corpus: "file:line" -> type. */
export function markers(): Map<string, string>
