public import Foundation

/// Receives one line per request/response for `--debug`.
///
/// Lines carry method, URL, status, duration and request id; never a header value, body, token,
/// password or secret.
public typealias DebugLog = @Sendable (String) -> Void

/// Logs every exchange of the wrapped transport to a `DebugLog`.
///
/// Placed under the retry layer, so every attempt is one line:
/// `HTTP GET https://nova/v2.1/servers/detail?limit=1000 -> 200 in 0.153 s [req-...]`.
public struct LoggingTransport: HTTPTransport {
  private let inner: any HTTPTransport
  private let log: DebugLog

  /// Wraps `inner`, reporting to `log`.
  public init(wrapping inner: any HTTPTransport, log: @escaping DebugLog) {
    self.inner = inner
    self.log = log
  }

  /// Sends and logs.
  public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
    let started = Date()
    let target = "\(request.method) \(Redaction.redactURL(request.url))"
    do {
      let response = try await inner.send(request)
      let elapsed = Date().timeIntervalSince(started)
      var line = "HTTP \(target) -> \(response.status) in \(String(format: "%.3f", elapsed)) s"
      line += " (\(response.body.count) bytes)"
      if let requestID = response.requestID { line += " [\(requestID)]" }
      log(line)
      return response
    } catch {
      let elapsed = Date().timeIntervalSince(started)
      log("HTTP \(target) -> failed in \(String(format: "%.3f", elapsed)) s: \(error)")
      throw error
    }
  }
}

/// Removes secrets from text that is about to be logged or shown.
public enum Redaction {
  /// Header names whose values are never shown.
  public static let sensitiveHeaders: Set<String> = [
    "x-auth-token", "x-subject-token", "authorization",
  ]

  /// JSON member names whose values are never shown.
  public static let sensitiveKeys: Set<String> = [
    "password", "adminpass", "secret", "token", "id_token", "access_token", "user_data",
    "os-ext-srv-attr:user_data", "application_credential_secret",
  ]

  /// The URL with any query value of a sensitive-looking parameter replaced by `<redacted>`.
  public static func redactURL(_ url: URL) -> String {
    guard var components = URLComponents(url: url, resolvingAgainstBaseURL: false),
      let items = components.queryItems, !items.isEmpty
    else {
      return url.absoluteString
    }
    components.queryItems = items.map { item in
      let name = item.name.lowercased()
      if sensitiveKeys.contains(name) || name.contains("token") || name.contains("secret")
        || name.contains("password")
      {
        return URLQueryItem(name: item.name, value: "<redacted>")
      }
      return item
    }
    return components.string ?? url.absoluteString
  }

  /// Headers as `name: value` lines with sensitive values replaced by `<redacted>`.
  public static func redactHeaders(_ headers: HTTPHeaders) -> [String] {
    headers.map { field in
      sensitiveHeaders.contains(field.name.lowercased())
        ? "\(field.name): <redacted>" : "\(field.name): \(field.value)"
    }
  }

  /// A JSON value with every sensitive member's value replaced by `"<redacted>"`, at any depth.
  public static func redactJSON(_ value: JSONValue) -> JSONValue {
    switch value {
    case .array(let items):
      return .array(items.map(redactJSON))
    case .object(let object):
      return .object(
        JSONObject(
          members: object.members.map { member in
            if sensitiveKeys.contains(member.key.lowercased()) {
              return JSONObject.Member(key: member.key, value: "<redacted>")
            }
            return JSONObject.Member(key: member.key, value: redactJSON(member.value))
          }))
    default:
      return value
    }
  }
}
