import Foundation
import OpenStackClient
import Testing

enum Fixture {
  static func data(_ name: String) throws -> Data {
    let url = try #require(
      Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures"),
      "fixture \(name) is missing from Tests/OpenStackClientTests/Fixtures")
    return try Data(contentsOf: url)
  }

  static func json(_ name: String) throws -> JSONValue {
    try JSONValue.parse(try data(name), resource: name)
  }
}

/// A transport that answers from a closure and records every request.
final class ScriptedTransport: HTTPTransport, @unchecked Sendable {
  private let lock = NSLock()
  private var recorded: [HTTPRequest] = []
  private let handler: @Sendable (HTTPRequest, Int) async throws -> HTTPResponse

  init(_ handler: @escaping @Sendable (HTTPRequest, Int) async throws -> HTTPResponse) {
    self.handler = handler
  }

  var requests: [HTTPRequest] { lock.withLock { recorded } }

  func send(_ request: HTTPRequest) async throws -> HTTPResponse {
    let index = lock.withLock { () -> Int in
      recorded.append(request)
      return recorded.count - 1
    }
    return try await handler(request, index)
  }
}

/// A sleeper that records the requested delays and returns at once.
final class RecordingSleeper: Sleeper, @unchecked Sendable {
  private let lock = NSLock()
  private var recorded: [Double] = []

  var delays: [Double] { lock.withLock { recorded } }

  func sleep(seconds: Double) async throws {
    lock.withLock { recorded.append(seconds) }
  }
}

/// Collects debug log lines.
final class LogCollector: @unchecked Sendable {
  private let lock = NSLock()
  private var recorded: [String] = []

  var lines: [String] { lock.withLock { recorded } }

  var log: DebugLog {
    { [self] line in lock.withLock { recorded.append(line) } }
  }
}

func jsonResponse(_ status: Int, _ text: String, headers: HTTPHeaders = [:]) -> HTTPResponse {
  var all = headers
  all["Content-Type"] = "application/json"
  return HTTPResponse(status: status, headers: all, body: Data(text.utf8))
}

/// A temporary directory removed at deinit.
final class TemporaryDirectory {
  let path: String

  init() throws {
    path = NSTemporaryDirectory() + "oscl-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }

  @discardableResult
  func write(_ relative: String, _ text: String) throws -> String {
    let full = (path as NSString).appendingPathComponent(relative)
    try FileManager.default.createDirectory(
      atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try Data(text.utf8).write(to: URL(fileURLWithPath: full))
    return full
  }

  deinit {
    try? FileManager.default.removeItem(atPath: path)
  }
}

/// A URL from a literal known to be valid.
func testURL(_ text: String) -> URL {
  URL(string: text) ?? URL(fileURLWithPath: "/invalid-test-url")
}

/// A date from a timestamp literal known to be valid.
func testDate(_ text: String) -> Date {
  Timestamp.parse(text) ?? .distantPast
}
