public import Foundation

/// `timestamptz` (and `timestamp`, `date`) in text format.
///
/// Encodes ISO-8601 in UTC with microseconds (`2026-01-02T03:04:05.123456Z`); `distantFuture`
/// and `distantPast` encode as `infinity` and `-infinity`. Decodes PostgreSQL's ISO output with
/// any offset (`+00`, `+05:30`, `-03:30:15`), 0-6 fractional digits, a `T` or space separator,
/// `infinity`/`-infinity`, and a bare date (midnight UTC). Values without an offset are UTC.
extension Date: PostgresEncodable, PostgresDecodable {
  public var postgresText: String {
    if self == .distantFuture { return "infinity" }
    if self == .distantPast { return "-infinity" }
    let micros = (timeIntervalSince1970 * 1_000_000).rounded()
    guard micros.isFinite, let total = Int64(exactly: micros) else {
      return micros < 0 ? "-infinity" : "infinity"
    }
    let microsPerDay: Int64 = 86_400_000_000
    var days = total / microsPerDay
    var rest = total % microsPerDay
    if rest < 0 {
      days -= 1
      rest += microsPerDay
    }
    let (year, month, day) = CivilCalendar.date(fromDays: days)
    let seconds = rest / 1_000_000
    let fraction = rest % 1_000_000
    return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T"
      + "\(pad(seconds / 3600, 2)):\(pad(seconds / 60 % 60, 2)):\(pad(seconds % 60, 2))"
      + ".\(pad(fraction, 6))Z"
  }

  public init(postgresText: String) throws {
    switch postgresText {
    case "infinity": self = .distantFuture
    case "-infinity": self = .distantPast
    default:
      guard let micros = TimestampParser.microsecondsSince1970(postgresText) else {
        throw PostgresError.cannotDecode(postgresText, as: Date.self)
      }
      self = Date(timeIntervalSince1970: Double(micros) / 1_000_000)
    }
  }
}

private func pad<T: BinaryInteger>(_ value: T, _ width: Int) -> String {
  let digits = String(value)
  return digits.count >= width
    ? digits : String(repeating: "0", count: width - digits.count) + digits
}

/// Proleptic Gregorian conversions (H. Hinnant's days-from-civil algorithms).
/// Proleptic Gregorian dates and days since 1970-01-01, in UTC (H. Hinnant's algorithms):
/// timestamps are converted without a Calendar, which is both faster and time-zone proof.
public enum CivilCalendar {
  /// Days since 1970-01-01 of a date.
  public static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yearOfEra = y - era * 400
    let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
    let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
    return era * 146_097 + dayOfEra - 719_468
  }

  /// The date of a day number (days since 1970-01-01).
  public static func date(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let dayOfEra = z - era * 146_097
    let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let mp = (5 * dayOfYear + 2) / 153
    let day = dayOfYear - (153 * mp + 2) / 5 + 1
    let month = mp < 10 ? mp + 3 : mp - 9
    return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
  }
}

/// Parses `YYYY-MM-DD[( |T)HH:MM[:SS[.ffffff]]][Z|(+|-)HH[[:]MM[[:]SS]]]`.
enum TimestampParser {
  static func microsecondsSince1970(_ text: String) -> Int64? {
    var scanner = ByteScanner(Array(text.utf8))
    guard let year = scanner.number(minDigits: 4, maxDigits: 6), scanner.skip("-"),
      let month = scanner.number(minDigits: 2, maxDigits: 2), scanner.skip("-"),
      let day = scanner.number(minDigits: 2, maxDigits: 2),
      (1...12).contains(month), (1...31).contains(day)
    else { return nil }
    var seconds: Int64 = 0
    var micros: Int64 = 0
    if scanner.skip(" ") || scanner.skip("T") {
      guard let hour = scanner.number(minDigits: 2, maxDigits: 2), scanner.skip(":"),
        let minute = scanner.number(minDigits: 2, maxDigits: 2), hour <= 24, minute < 60
      else { return nil }
      var second: Int64 = 0
      if scanner.skip(":") {
        guard let value = scanner.number(minDigits: 2, maxDigits: 2), value <= 60 else {
          return nil
        }
        second = value
        if scanner.skip(".") {
          let start = scanner.position
          guard let fraction = scanner.number(minDigits: 1, maxDigits: 9) else { return nil }
          var digits = scanner.position - start
          var value = fraction
          while digits > 6 {
            value /= 10
            digits -= 1
          }
          while digits < 6 {
            value *= 10
            digits += 1
          }
          micros = value
        }
      }
      seconds = hour * 3600 + minute * 60 + second
      if scanner.skip("Z") || scanner.skip("z") {
        // UTC
      } else if let sign = scanner.sign() {
        guard let offsetHours = scanner.number(minDigits: 2, maxDigits: 2) else { return nil }
        var offset = offsetHours * 3600
        _ = scanner.skip(":")
        if let offsetMinutes = scanner.number(minDigits: 2, maxDigits: 2) {
          offset += offsetMinutes * 60
          _ = scanner.skip(":")
          if let offsetSeconds = scanner.number(minDigits: 2, maxDigits: 2) {
            offset += offsetSeconds
          }
        }
        seconds -= sign * offset
      }
    }
    guard scanner.isAtEnd else { return nil }
    let days = CivilCalendar.days(year: year, month: month, day: day)
    return (days * 86_400 + seconds) * 1_000_000 + micros
  }
}

struct ByteScanner {
  let bytes: [UInt8]
  var position = 0

  init(_ bytes: [UInt8]) { self.bytes = bytes }

  var isAtEnd: Bool { position == bytes.count }

  mutating func skip(_ character: Unicode.Scalar) -> Bool {
    guard position < bytes.count, bytes[position] == UInt8(ascii: character) else { return false }
    position += 1
    return true
  }

  mutating func sign() -> Int64? {
    if skip("+") { return 1 }
    if skip("-") { return -1 }
    return nil
  }

  mutating func number(minDigits: Int, maxDigits: Int) -> Int64? {
    let start = position
    var value: Int64 = 0
    var count = 0
    while position < bytes.count, count < maxDigits,
      (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position])
    {
      value = value * 10 + Int64(bytes[position] - UInt8(ascii: "0"))
      position += 1
      count += 1
    }
    guard count >= minDigits else {
      position = start
      return nil
    }
    return value
  }
}
