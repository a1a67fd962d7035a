internal import Foundation

/// Removes passwords from text that may echo a connection string.
///
/// Handles `password=secret`, `password='se cret'` and `scheme://user:secret@host`, plus any
/// literal secrets the caller knows (e.g. the password parsed out of the conninfo).
enum Redaction {
  static let mask = "********"

  static func redact(_ text: String, secrets: [String] = []) -> String {
    var result = text
    for secret in secrets where !secret.isEmpty {
      result = result.replacingOccurrences(of: secret, with: mask)
    }
    result = replace(keyValuePattern, in: result, template: "$1\(mask)")
    result = replace(urlPattern, in: result, template: "$1:\(mask)@")
    return result
  }

  private static func replace(
    _ regex: NSRegularExpression?, in text: String, template: String
  ) -> String {
    guard let regex else { return text }
    let range = NSRange(text.startIndex..<text.endIndex, in: text)
    return regex.stringByReplacingMatches(
      in: text, options: [], range: range, withTemplate: template)
  }

  // password = 'quoted \' value' | bare-value
  private static var keyValuePattern: NSRegularExpression? {
    try? NSRegularExpression(
      pattern: #"(password\s*=\s*)('(?:[^'\\]|\\.)*'?|[^\s]+)"#,
      options: [.caseInsensitive])
  }

  // postgresql://user:secret@host  (also postgres://)
  private static var urlPattern: NSRegularExpression? {
    try? NSRegularExpression(
      pattern: #"([a-z][a-z0-9+.-]*://[^:/@\s]*):[^@\s]*@"#,
      options: [.caseInsensitive])
  }
}
