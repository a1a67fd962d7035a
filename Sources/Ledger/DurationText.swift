public import Foundation

/// Durations written as operators write them: `90s`, `30m`, `24h`, `7d`, `2w` (or plain seconds).
public enum DurationText {
  /// Seconds for a duration text, or nil when it is not one.
  public static func parse(_ text: String) -> TimeInterval? {
    let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
    guard let last = trimmed.last else { return nil }
    let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604_800]
    if let unit = units[last] {
      guard let value = Double(trimmed.dropLast()), value >= 0, value.isFinite else { return nil }
      return value * unit
    }
    guard let value = Double(trimmed), value >= 0, value.isFinite else { return nil }
    return value
  }

  /// A short human form: `1h 05m`, `42.3s`.
  public static func format(_ seconds: TimeInterval) -> String {
    if seconds < 60 { return String(format: "%.1fs", seconds) }
    let total = Int(seconds.rounded())
    let (days, hours, minutes, secs) = (
      total / 86400, (total % 86400) / 3600, (total % 3600) / 60, total % 60
    )
    if days > 0 { return "\(days)d \(hours)h" }
    if hours > 0 { return String(format: "%dh %02dm", hours, minutes) }
    return String(format: "%dm %02ds", minutes, secs)
  }
}
