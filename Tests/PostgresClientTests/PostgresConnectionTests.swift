import Foundation
import PostgresClient
import TestSupport
import Testing

@Suite struct TransactionTests {
  let connection: PostgresConnection

  init() throws {
    connection = try TemporaryDatabase.connectToServer()
    try connection.execute(raw: "CREATE TEMP TABLE ledger (entry text)")
  }

  func entries() throws -> [String] {
    try connection.query("SELECT entry FROM ledger ORDER BY entry").map { try $0.decode(0) }
  }

  @Test func aReturningBodyCommits() throws {
    let count = try connection.transaction { connection in
      try connection.execute("INSERT INTO ledger VALUES (\("a")), (\("b"))")
    }
    #expect(count == 2)
    #expect(try entries() == ["a", "b"])
    #expect(!connection.isInTransaction)
  }

  @Test func aThrowingBodyRollsBackAndRethrows() throws {
    struct Boom: Error {}
    #expect(throws: Boom.self) {
      try connection.transaction { connection in
        try connection.execute("INSERT INTO ledger VALUES (\("lost"))")
        throw Boom()
      }
    }
    #expect(try entries() == [])
    #expect(!connection.isInTransaction)
  }

  @Test func aFailingStatementRollsBackEverything() throws {
    let error = try #require(throws: PostgresError.self) {
      try connection.transaction { connection in
        try connection.execute("INSERT INTO ledger VALUES (\("lost"))")
        try connection.execute("SELECT 1 / 0")
      }
    }
    #expect(error.sqlState == "22012")
    #expect(try entries() == [])
  }

  @Test func aSwallowedErrorMakesCommitFail() throws {
    #expect(throws: PostgresError.self) {
      try connection.transaction { connection in
        try connection.execute("INSERT INTO ledger VALUES (\("lost"))")
        _ = try? connection.execute("SELECT 1 / 0")
      }
    }
    #expect(try entries() == [])
  }

  @Test func aNestedTransactionRollsBackOnlyItsOwnWork() throws {
    struct Inner: Error {}
    try connection.transaction { connection in
      try connection.execute("INSERT INTO ledger VALUES (\("outer"))")
      #expect(throws: Inner.self) {
        try connection.transaction { connection in
          try connection.execute("INSERT INTO ledger VALUES (\("inner"))")
          throw Inner()
        }
      }
    }
    #expect(try entries() == ["outer"])
  }
}

@Suite struct AdvisoryLockTests {
  @Test func aSessionLockExcludesAnotherConnection() throws {
    let key = Int64.random(in: 1...Int64.max)
    let first = try TemporaryDatabase.connectToServer()
    let second = try TemporaryDatabase.connectToServer()
    #expect(try first.tryAdvisoryLock(key))
    #expect(try !second.tryAdvisoryLock(key))
    try first.advisoryUnlock(key)
    #expect(try second.tryAdvisoryLock(key))
    #expect(try !first.tryAdvisoryLock(key))
    try second.advisoryUnlock(key)
  }

  @Test func unlockingALockThatIsNotHeldThrows() throws {
    let connection = try TemporaryDatabase.connectToServer()
    #expect(throws: PostgresError.self) { try connection.advisoryUnlock(-42) }
  }

  @Test func aTransactionLockIsReleasedAtCommit() throws {
    let key = Int64.random(in: Int64.min...(-1))
    let first = try TemporaryDatabase.connectToServer()
    let second = try TemporaryDatabase.connectToServer()
    let (firstLocked, secondLocked) = try first.transaction { first in
      (try first.tryAdvisoryTransactionLock(key), try second.tryAdvisoryLock(key))
    }
    #expect(firstLocked)
    #expect(!secondLocked)
    #expect(try second.tryAdvisoryLock(key))
    try second.advisoryUnlock(key)
  }

  @Test func aBlockingLockWaitsForTheHolder() throws {
    let key = Int64.random(in: 1...Int64.max)
    let holder = try TemporaryDatabase.connectToServer()
    let waiter = try TemporaryDatabase.connectToServer()
    let observer = try TemporaryDatabase.connectToServer()
    try holder.advisoryLock(key)
    let acquired = Locked(false)
    let done = DispatchSemaphore(value: 0)
    let thread = Thread {
      do {
        try waiter.advisoryLock(key)
        acquired.withLock { $0 = true }
        try waiter.advisoryUnlock(key)
      } catch {
        Issue.record(error)
      }
      done.signal()
    }
    thread.start()
    // Wait until the server shows the waiter blocked on the lock.
    var waiting = false
    for _ in 0..<100 where !waiting {
      waiting = try observer.scalar(
        """
        SELECT count(*) > 0 FROM pg_locks
        WHERE locktype = 'advisory' AND NOT granted AND pid = \(waiter.backendPID)
        """, as: Bool.self)
      if !waiting { Thread.sleep(forTimeInterval: 0.05) }
    }
    #expect(waiting)
    #expect(!acquired.current)
    try holder.advisoryUnlock(key)
    #expect(done.wait(timeout: .now() + 10) == .success)
    #expect(acquired.current)
  }
}

@Suite struct NoticeTests {
  @Test func noticesGoToOnNotice() throws {
    let connection = try TemporaryDatabase.connectToServer()
    let notices = Locked<[String]>([])
    connection.onNotice = { message in notices.withLock { $0.append(message) } }
    try connection.execute(raw: "DO $$ BEGIN RAISE NOTICE 'hello %', 42; END $$")
    try connection.execute(raw: "DROP TABLE IF EXISTS surely_not_here")
    let received = notices.current
    #expect(received.count == 2)
    #expect(received.first?.contains("hello 42") == true)
    #expect(received.last?.contains("surely_not_here") == true)
  }

  @Test func noticesNeverReachStandardError() throws {
    let connection = try TemporaryDatabase.connectToServer()
    let marker = "stackledger-notice-probe-\(UUID().uuidString)"
    let captured = try captureStandardError {
      try connection.execute(raw: "DO $$ BEGIN RAISE WARNING '\(marker)'; END $$")
      try connection.execute(raw: "DO $$ BEGIN RAISE NOTICE '\(marker)'; END $$")
    }
    #expect(!captured.contains(marker))
    // The capture itself works: a direct write to fd 2 is seen.
    let control = try captureStandardError {
      FileHandle.standardError.write(Data("control-\(marker)".utf8))
    }
    #expect(control.contains("control-\(marker)"))
  }

  /// Runs `body` with file descriptor 2 pointed at a temporary file and returns what was
  /// written there.
  func captureStandardError(_ body: () throws -> Void) throws -> String {
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("stderr-\(UUID().uuidString)").path
    let file = open(path, O_RDWR | O_CREAT | O_TRUNC, 0o600)
    try #require(file >= 0)
    let saved = dup(2)
    dup2(file, 2)
    defer {
      dup2(saved, 2)
      close(saved)
      close(file)
      unlink(path)
    }
    try body()
    return (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
  }
}
