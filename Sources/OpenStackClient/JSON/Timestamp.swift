public import Foundation

/// The one timestamp parser for every OpenStack service.
///
/// Accepts `YYYY-MM-DDThh:mm:ss` (or a space instead of `T`), an optional fraction of any length
/// (kept to the microsecond), and an optional zone: `Z`, `+hh:mm`, `-hh:mm`, `+hhmm` or `+hh`.
/// A value without a zone is UTC (Nova's `launched_at`, instance actions, Cinder and Neutron send
/// naive timestamps). Hand-written: it runs for every timestamp of every server on every sync.
public enum Timestamp {
  /// Parses `text`, or returns `nil` when it is not a timestamp of the accepted forms.
  public static func parse(_ text: String) -> Date? {
    var text = text
    return text.withUTF8 { parse(bytes: $0) }
  }

  static func parse(bytes: UnsafeBufferPointer<UInt8>) -> Date? {
    var index = 0
    let count = bytes.count

    func digits(_ width: Int) -> Int? {
      guard index + width <= count else { return nil }
      var value = 0
      for offset in 0..<width {
        let byte = bytes[index + offset]
        guard byte >= 48, byte <= 57 else { return nil }
        value = value * 10 + Int(byte - 48)
      }
      index += width
      return value
    }
    func expect(_ ascii: UInt8) -> Bool {
      guard index < count, bytes[index] == ascii else { return false }
      index += 1
      return true
    }

    guard let year = digits(4), expect(45), let month = digits(2), expect(45), let day = digits(2)
    else { return nil }
    guard index < count, bytes[index] == 84 || bytes[index] == 116 || bytes[index] == 32 else {
      return nil
    }
    index += 1
    guard let hour = digits(2), expect(58), let minute = digits(2), expect(58),
      let second = digits(2)
    else { return nil }
    guard (1...12).contains(month), (1...31).contains(day), hour <= 24, minute <= 59, second <= 60
    else { return nil }

    var micros = 0
    if index < count, bytes[index] == 46 || bytes[index] == 44 {
      index += 1
      var scale = 100_000
      var sawDigit = false
      while index < count, bytes[index] >= 48, bytes[index] <= 57 {
        micros += Int(bytes[index] - 48) * scale
        scale /= 10
        sawDigit = true
        index += 1
      }
      guard sawDigit else { return nil }
    }

    var offsetSeconds = 0
    if index < count {
      switch bytes[index] {
      case 90, 122:  // Z z
        index += 1
      case 43, 45:  // + -
        let sign = bytes[index] == 45 ? -1 : 1
        index += 1
        guard let hours = digits(2) else { return nil }
        var minutes = 0
        if expect(58) {
          guard let value = digits(2) else { return nil }
          minutes = value
        } else if index < count {
          guard let value = digits(2) else { return nil }
          minutes = value
        }
        offsetSeconds = sign * (hours * 3600 + minutes * 60)
      default:
        return nil
      }
    }
    guard index == count else { return nil }

    let days = daysFromCivil(year: year, month: month, day: day)
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
    return Date(timeIntervalSince1970: Double(seconds) + Double(micros) / 1_000_000)
  }

  /// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
  static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
    let adjustedYear = month <= 2 ? year - 1 : year
    let era = (adjustedYear >= 0 ? adjustedYear : adjustedYear - 399) / 400
    let yearOfEra = adjustedYear - era * 400
    let monthIndex = month > 2 ? month - 3 : month + 9
    let dayOfYear = (153 * monthIndex + 2) / 5 + day - 1
    let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
    return era * 146_097 + dayOfEra - 719_468
  }

  /// Formats `date` as `YYYY-MM-DDThh:mm:ssZ` (UTC, second precision), as Nova query filters expect.
  public static func format(_ date: Date) -> String {
    let total = Int(date.timeIntervalSince1970.rounded(.down))
    var days = total / 86_400
    var secondsOfDay = total % 86_400
    if secondsOfDay < 0 {
      secondsOfDay += 86_400
      days -= 1
    }
    // civil_from_days
    let shifted = days + 719_468
    let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
    let dayOfEra = shifted - era * 146_097
    let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let monthIndex = (5 * dayOfYear + 2) / 153
    let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
    let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
    let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    func pad(_ value: Int, _ width: Int) -> String {
      let text = String(value)
      return String(repeating: "0", count: max(0, width - text.count)) + text
    }
    return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondsOfDay / 3600, 2)):"
      + "\(pad(secondsOfDay % 3600 / 60, 2)):\(pad(secondsOfDay % 60, 2))Z"
  }
}
