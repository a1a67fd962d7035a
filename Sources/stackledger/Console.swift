import Foundation

/// Writing to standard output and standard error.
enum Console {
  static func out(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
  }

  static func err(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
  }

  /// Whether standard error is a terminal (progress bars then, log lines otherwise).
  static var stderrIsTerminal: Bool {
    isatty(2) == 1
  }
}
