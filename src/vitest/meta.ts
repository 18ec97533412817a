/** The key under which a test's (or a file's) findings travel with its result to the reporter. */
export const META_KEY = 'testkit'
