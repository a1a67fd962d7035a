import Foundation
import PostgresClient
import Testing

/// Runs each body on its own thread (not the cooperative pool, since libpq blocks) and waits
/// for all of them.
func runOnThreads(_ bodies: [@Sendable () -> Void]) {
  let group = DispatchGroup()
  for body in bodies {
    group.enter()
    let thread = Thread {
      body()
      group.leave()
    }
    thread.start()
  }
  group.wait()
}

/// A value shared between threads in a test.
final class Locked<Value>: @unchecked Sendable {
  private let lock = NSLock()
  private var value: Value

  init(_ value: Value) { self.value = value }

  func withLock<T>(_ body: (inout Value) -> T) -> T {
    lock.withLock { body(&value) }
  }

  var current: Value { withLock { $0 } }
}

extension PostgresConnection {
  /// The single value of a one-row, one-column query.
  func scalar<T: PostgresDecodable>(_ query: PostgresQuery, as type: T.Type = T.self) throws -> T {
    let row = try #require(try self.query(query).first)
    return try row.decode(0, as: type)
  }
}
