import Foundation
import PostgresClient
import Testing

@testable import Ledger

/// When the connection breaks while a run's COMMIT is acknowledged, the run's outcome is
/// asked from the database over a new connection instead of being reported as a failure.
@Suite("Sync: a lost commit acknowledgement", .serialized)
struct LostCommitTests {
  let broken = PostgresError(
    kind: .connection, message: "server closed the connection unexpectedly\nmore")

  func engine(_ harness: SyncHarness, reconnect: Bool = true) throws -> SyncEngine {
    var options = SyncOptions()
    options.scopeName = harness.cloudName
    let database = harness.db.database
    return SyncEngine(
      cloud: try harness.openstack(), connection: harness.db.connection, options: options,
      reconnect: reconnect ? { try database.connect() } : nil)
  }

  @Test func aCommittedRunIsReportedAsSucceededWithItsCounts() async throws {
    let harness = try SyncHarness(servers: 40)
    let first = try await harness.sync()
    let outcome = try #require(
      try engine(harness).recordedOutcome(of: first.runID, after: broken, summary: SyncSummary()))
    #expect(outcome.counts.serversCreated == first.counts.serversCreated)
    #expect(outcome.counts.changesWritten == first.counts.changesWritten)
    #expect(outcome.notes.last?.contains("run \(first.runID) is recorded as succeeded") == true)
    #expect(outcome.notes.last?.contains("more") == false)
  }

  @Test func aRunThatDidNotCommitIsStillAFailure() async throws {
    let harness = try SyncHarness(servers: 20)
    try await harness.sync()
    let running = try harness.db.store.beginRun(
      scopeID: harness.db.scopeID, mode: "full", dryRun: false, hostname: "test", pid: 1,
      version: "test")
    #expect(
      try engine(harness).recordedOutcome(of: running.runID, after: broken, summary: SyncSummary())
        == nil)
  }

  @Test func otherErrorsOrNoWayToReconnectAreFailures() async throws {
    let harness = try SyncHarness(servers: 20)
    let first = try await harness.sync()
    let serverError = PostgresError(kind: .server, message: "deadlock detected")
    let sync = try engine(harness)
    let outcome = sync.recordedOutcome(of: first.runID, after: serverError, summary: SyncSummary())
    #expect(outcome == nil)
    #expect(
      try engine(harness, reconnect: false).recordedOutcome(
        of: first.runID, after: broken, summary: SyncSummary()) == nil)
  }
}
