/** A binary min-heap: `before(a, b)` is true when `a` must come out before `b`. */
export class Heap<T> {
  readonly #items: T[] = []
  readonly #before: (a: T, b: T) => boolean

  constructor(before: (a: T, b: T) => boolean) {
    this.#before = before
  }

  get size(): number {
    return this.#items.length
  }

  peek(): T | undefined {
    return this.#items[0]
  }

  push(item: T): void {
    const items = this.#items
    items.push(item)
    let i = items.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!this.#before(items[i]!, items[parent]!)) break
      this.#swap(i, parent)
      i = parent
    }
  }

  pop(): T | undefined {
    const items = this.#items
    const first = items[0]
    const last = items.pop()
    if (items.length === 0) return first
    items[0] = last!
    let i = 0
    for (;;) {
      const left = 2 * i + 1
      const right = left + 1
      let best = i
      if (left < items.length && this.#before(items[left]!, items[best]!)) best = left
      if (right < items.length && this.#before(items[right]!, items[best]!)) best = right
      if (best === i) return first
      this.#swap(i, best)
      i = best
    }
  }

  #swap(i: number, j: number): void {
    const items = this.#items
    const tmp = items[i]!
    items[i] = items[j]!
    items[j] = tmp
  }
}
