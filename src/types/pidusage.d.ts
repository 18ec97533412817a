// The part of pidusage 4 that testkit uses (the package ships no types).
declare module 'pidusage' {
  interface Status {
    /** Resident memory, bytes. */
    memory: number
    /** CPU time used, ms. */
    ctime: number
  }
  function pidusage(pids: number[], options?: { usePs?: boolean }): Promise<Record<string, Status>>
  namespace pidusage {
    /** Forgets past samples. */
    function clear(): void
  }
  export default pidusage
}
