/** Tests by file name, in the conventions of JavaScript, Python, Go, Rust, Ruby and the JVM. */
export function isTestFile(path: string): boolean {
  return (
    /(^|\/)(test|tests|__tests__|spec|specs|testing)\//.test(path) ||
    /\.(test|spec)\.[cm]?[jt]sx?$/.test(path) ||
    /(^|\/)(test_[^/]*|[^/]*_test|conftest)\.py$/.test(path) ||
    /_test\.go$/.test(path) ||
    /_spec\.rb$/.test(path) ||
    /(Test|Tests|IT)\.(java|kt|scala)$/.test(path)
  );
}
