/// A usage error: printed as `Error: ...` with the command's usage, exit code 64.
struct UsageError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}

/// The small argument parser: options and flags by name, in any order, then positionals.
///
/// `--name value` and `--name=value` are both accepted; `--` ends the options.
struct Arguments {
  private var remaining: [String]

  init(_ arguments: [String]) {
    remaining = arguments
  }

  /// Whether a flag is present (and consumes it).
  mutating func flag(_ names: String...) -> Bool {
    var found = false
    remaining.removeAll { argument in
      guard names.contains(argument) else { return false }
      found = true
      return true
    }
    return found
  }

  /// The value of an option, if given; the last occurrence wins.
  mutating func option(_ names: String...) throws -> String? {
    var value: String?
    var index = 0
    while index < remaining.count {
      let argument = remaining[index]
      if argument == "--" { break }
      if names.contains(argument) {
        guard index + 1 < remaining.count else {
          throw UsageError("\(argument) needs a value")
        }
        value = remaining[index + 1]
        remaining.removeSubrange(index...(index + 1))
        continue
      }
      if let name = names.first(where: { argument.hasPrefix($0 + "=") }) {
        value = String(argument.dropFirst(name.count + 1))
        remaining.remove(at: index)
        continue
      }
      index += 1
    }
    return value
  }

  /// Every value of a repeatable option.
  mutating func options(_ names: String...) throws -> [String] {
    var values: [String] = []
    var index = 0
    while index < remaining.count {
      let argument = remaining[index]
      if argument == "--" { break }
      if names.contains(argument) {
        guard index + 1 < remaining.count else {
          throw UsageError("\(argument) needs a value")
        }
        values.append(remaining[index + 1])
        remaining.removeSubrange(index...(index + 1))
        continue
      }
      index += 1
    }
    return values
  }

  /// The next positional argument, if any.
  mutating func positional() -> String? {
    if let dashes = remaining.firstIndex(of: "--"), dashes == 0 {
      remaining.remove(at: 0)
    }
    guard let first = remaining.first, !first.hasPrefix("-") || first == "-" else { return nil }
    remaining.removeFirst()
    return first
  }

  /// Fails on anything left over (an unknown option or an extra argument).
  func finish() throws {
    let leftovers = remaining.filter { $0 != "--" }
    if let first = leftovers.first {
      throw UsageError(
        first.hasPrefix("-") ? "unknown option \(first)" : "unexpected argument \(first)")
    }
  }
}

/// A subcommand, declared as a struct: parse, validate, run.
protocol Command {
  /// The word that selects it (`sync`, `migrate`, ...).
  static var name: String { get }
  /// One line for the command list.
  static var abstract: String { get }
  /// The full help text.
  static var usage: String { get }
  /// Reads options; throws ``UsageError`` for unknown ones.
  init(parsing arguments: inout Arguments) throws
  /// Checks the options together, before anything runs.
  func validate() throws
  /// Does the work; returns the exit code.
  func run() async throws -> Int32
}

extension Command {
  func validate() throws {}
}

/// Exit codes (DESIGN.md §6).
enum ExitCode {
  static let ok: Int32 = 0
  static let failure: Int32 = 1
  static let drift: Int32 = 2
  static let usage: Int32 = 64
  static let locked: Int32 = 75
}
