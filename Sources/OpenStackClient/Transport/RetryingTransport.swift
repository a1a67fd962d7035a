public import Foundation

/// The clock seam of the retry layer: waits, so tests can record delays instead of sleeping.
public protocol Sleeper: Sendable {
  /// Suspends for `seconds` (throws `CancellationError` when the task is cancelled).
  func sleep(seconds: Double) async throws
}

/// Sleeps with `Task.sleep`.
public struct TaskSleeper: Sleeper {
  /// Creates the real sleeper.
  public init() {}

  /// Suspends for `seconds`.
  public func sleep(seconds: Double) async throws {
    guard seconds > 0 else { return }
    try await Task.sleep(nanoseconds: UInt64(seconds * 1_000_000_000))
  }
}

/// How `RetryingTransport` retries.
public struct RetryPolicy: Sendable {
  /// Total attempts including the first (default 5).
  public var maxAttempts: Int
  /// The backoff base in seconds: attempt n waits a random time in `0...min(maxDelay, base * 2^n)`.
  public var baseDelay: Double
  /// The cap of the exponential backoff in seconds.
  public var maxDelay: Double
  /// The cap applied to a server's `Retry-After` in seconds.
  public var maxRetryAfter: Double
  /// Statuses that are retried (429, 500, 502, 503, 504).
  public var retryableStatuses: Set<Int>
  /// Statuses that are retried even for non-idempotent requests (the request was not processed).
  public var safeStatuses: Set<Int>

  /// The defaults: 5 attempts, 0.5 s base, 30 s cap, Retry-After capped at 120 s.
  public init(
    maxAttempts: Int = 5, baseDelay: Double = 0.5, maxDelay: Double = 30,
    maxRetryAfter: Double = 120,
    retryableStatuses: Set<Int> = [429, 500, 502, 503, 504], safeStatuses: Set<Int> = [429, 503]
  ) {
    self.maxAttempts = max(1, maxAttempts)
    self.baseDelay = baseDelay
    self.maxDelay = maxDelay
    self.maxRetryAfter = maxRetryAfter
    self.retryableStatuses = retryableStatuses
    self.safeStatuses = safeStatuses
  }
}

/// Wraps a transport with bounded exponential backoff and full jitter.
///
/// Retries connection errors (including bodies cut by a reset) and 429/500/502/503/504, honouring
/// `Retry-After` (seconds or HTTP date, capped). Never retries other 4xx or a complete response
/// whose body is malformed. Non-idempotent requests (POST without `idempotent`) are retried only
/// on 429 and 503, where the service did not act on them. After the last attempt the last response
/// is returned (or the last connection error thrown).
public struct RetryingTransport: HTTPTransport {
  private let inner: any HTTPTransport
  private let policy: RetryPolicy
  private let sleeper: any Sleeper
  private let random: @Sendable (ClosedRange<Double>) -> Double
  private let now: @Sendable () -> Date
  private let debugLog: DebugLog?

  /// Creates the retry layer. `random` and `now` are seams for tests.
  public init(
    wrapping inner: any HTTPTransport, policy: RetryPolicy = RetryPolicy(),
    sleeper: any Sleeper = TaskSleeper(),
    random: @escaping @Sendable (ClosedRange<Double>) -> Double = { Double.random(in: $0) },
    now: @escaping @Sendable () -> Date = { Date() },
    debugLog: DebugLog? = nil
  ) {
    self.inner = inner
    self.policy = policy
    self.sleeper = sleeper
    self.random = random
    self.now = now
    self.debugLog = debugLog
  }

  /// Sends with retries.
  public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
    var attempt = 0
    while true {
      attempt += 1
      let isLast = attempt >= policy.maxAttempts
      do {
        let response = try await inner.send(request)
        let retryable =
          policy.retryableStatuses.contains(response.status)
          && (request.isIdempotent || policy.safeStatuses.contains(response.status))
        if !retryable || isLast { return response }
        let delay = delay(forAttempt: attempt, retryAfter: response.headers["Retry-After"])
        debugLog?(
          "RETRY \(request.method) \(request.pathForDisplay) status \(response.status) attempt \(attempt)"
            + " waiting \(String(format: "%.3f", delay)) s")
        try await sleeper.sleep(seconds: delay)
      } catch let error as OpenStackError {
        guard case .connection = error, request.isIdempotent, !isLast else { throw error }
        let delay = delay(forAttempt: attempt, retryAfter: nil)
        debugLog?(
          "RETRY \(request.method) \(request.pathForDisplay) connection error attempt \(attempt)"
            + " waiting \(String(format: "%.3f", delay)) s")
        try await sleeper.sleep(seconds: delay)
      }
    }
  }

  /// The wait before attempt `attempt + 1`: `Retry-After` if given (capped), else full jitter.
  func delay(forAttempt attempt: Int, retryAfter: String?) -> Double {
    if let retryAfter, let seconds = Self.parseRetryAfter(retryAfter, now: now()) {
      return min(max(seconds, 0), policy.maxRetryAfter)
    }
    let exponential = policy.baseDelay * pow(2, Double(attempt - 1))
    let cap = min(policy.maxDelay, exponential)
    return cap > 0 ? random(0...cap) : 0
  }

  /// Seconds to wait for a `Retry-After` value: delta-seconds or an HTTP date.
  public static func parseRetryAfter(_ value: String, now: Date) -> Double? {
    let trimmed = value.trimmingCharacters(in: .whitespaces)
    if let seconds = Double(trimmed), seconds.isFinite { return max(0, seconds) }
    guard let date = parseHTTPDate(trimmed) else { return nil }
    return max(0, date.timeIntervalSince(now))
  }

  /// Parses an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`).
  static func parseHTTPDate(_ text: String) -> Date? {
    let parts = text.split(separator: " ")
    guard parts.count == 6, parts[5] == "GMT" || parts[5] == "UTC" else { return nil }
    let months = [
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    guard let day = Int(parts[1]), let monthIndex = months.firstIndex(of: String(parts[2])),
      let year = Int(parts[3])
    else { return nil }
    let time = parts[4].split(separator: ":")
    guard time.count == 3, let hour = Int(time[0]), let minute = Int(time[1]),
      let second = Int(time[2])
    else { return nil }
    let days = Timestamp.daysFromCivil(year: year, month: monthIndex + 1, day: day)
    return Date(timeIntervalSince1970: Double(days * 86_400 + hour * 3600 + minute * 60 + second))
  }
}

extension HTTPRequest {
  /// Whether the request may be repeated safely: every method but POST and PATCH, unless marked.
  public var isIdempotent: Bool {
    if let forced = idempotentOverride { return forced }
    return method != "POST" && method != "PATCH"
  }
}
