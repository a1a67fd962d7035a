import Foundation
import Ledger
import OpenStackClient
import PostgresClient
import TestSupport
import Testing

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// A fake cloud, a migrated database and a way to run syncs against them.
final class SyncHarness: @unchecked Sendable {
  let fake: FakeCloud
  let db: LedgerDatabase
  let cloudName: String

  init(servers: Int = 300, seed: Int = 11, cloud: String = "fake-admin", arguments: [String] = [])
    throws
  {
    fake = try FakeCloud(servers: servers, seed: seed, arguments: arguments)
    db = try LedgerDatabase()
    cloudName = cloud
  }

  deinit { fake.stop() }

  func openstack() throws -> OpenStackCloud {
    let loader = CloudConfigLoader(
      environment: ["OS_CLIENT_CONFIG_FILE": fake.cloudsYAMLPath],
      homeDirectory: fake.directory, currentDirectory: fake.directory)
    return OpenStackCloud(
      config: try loader.load(cloud: cloudName),
      retryPolicy: RetryPolicy(maxAttempts: 4, baseDelay: 0.01, maxDelay: 0.05))
  }

  @discardableResult
  func sync(_ mode: SyncMode = .full, pageSize: Int = 100, dryRun: Bool = false) async throws
    -> SyncSummary
  {
    var options = SyncOptions()
    options.mode = mode
    options.pageSize = pageSize
    options.dryRun = dryRun
    options.scopeName = cloudName
    return try await SyncEngine(cloud: try openstack(), connection: db.connection, options: options)
      .run()
  }

  func churn(_ count: Int, seed: Int) async throws -> [String: Any] {
    let data = try await fake.control("/_fake/churn", json: ["count": count, "seed": seed])
    return (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
  }

  /// Every server of the fake as its API returns it (all projects, newest microversion),
  /// parsed with Foundation's JSONSerialization, independent of the client's decoder.
  func fakeServers() async throws -> [[String: Any]] {
    let token = try await openstack().authenticate()
    var servers: [[String: Any]] = []
    var marker: String?
    repeat {
      var components = try #require(
        URLComponents(string: fake.baseURL.absoluteString + "/compute/v2.1/servers/detail"))
      components.queryItems =
        [URLQueryItem(name: "all_tenants", value: "1"), URLQueryItem(name: "limit", value: "500")]
        + (marker.map { [URLQueryItem(name: "marker", value: $0)] } ?? [])
      var request = URLRequest(url: try #require(components.url))
      request.setValue(token.value.revealed, forHTTPHeaderField: "X-Auth-Token")
      request.setValue("compute 2.100", forHTTPHeaderField: "OpenStack-API-Version")
      let (data, _) = try await URLSession.shared.data(for: request)
      let body = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
      let page = try #require(body["servers"] as? [[String: Any]])
      servers += page
      marker = page.count == 500 ? page.last?["id"] as? String : nil
    } while marker != nil
    return servers
  }

  func changedServers(run: Int64) throws -> Set<String> {
    Set(
      try db.connection.query(
        "SELECT DISTINCT server_id::text AS id FROM changes WHERE run_id = \(run) AND server_id IS NOT NULL"
      ).map { try $0.decode("id", as: String.self) })
  }

  func fields(run: Int64, server: String) throws -> Set<String> {
    Set(
      try db.connection.query(
        """
        SELECT coalesce(field, change_kind) AS f FROM changes
         WHERE run_id = \(run) AND server_id = \(server)::uuid
        """
      ).map { try $0.decode("f", as: String.self) })
  }
}

@Suite("Sync end to end against the fake cloud", .serialized)
struct SyncEndToEndTests {
  @Test func firstSyncStoresExactlyTheFakeFleet() async throws {
    let harness = try SyncHarness()
    let summary = try await harness.sync(.full)
    let fleet = try await harness.fakeServers()
    #expect(summary.serversSeen == fleet.count)
    #expect(summary.counts.serversCreated == fleet.count)
    let db = harness.db
    #expect(try db.scalar("SELECT count(*) FROM current_servers", as: Int.self) == fleet.count)

    for server in fleet {
      let id = try #require(server["id"] as? String)
      let row = try #require(
        try db.connection.query(
          """
          SELECT name, status, project_id, user_id, flavor_name, image_id, key_name,
                 coalesce(metadata, '{}')::text AS metadata, tags, power_state, vm_state,
                 compute_host, raw = \(PostgresJSON(try jsonText(withoutLinks(server))))::jsonb
                   AS raw_equal
            FROM servers WHERE server_id = \(id)::uuid
          """
        ).first)
      #expect(try row.decode("name", as: String?.self) == server["name"] as? String)
      #expect(try row.decode("status", as: String?.self) == server["status"] as? String)
      #expect(try row.decode("project_id", as: String?.self) == server["tenant_id"] as? String)
      #expect(try row.decode("user_id", as: String?.self) == server["user_id"] as? String)
      let flavor = server["flavor"] as? [String: Any]
      #expect(
        try row.decode("flavor_name", as: String?.self) == flavor?["original_name"] as? String)
      let image = (server["image"] as? [String: Any])?["id"] as? String
      #expect(try row.decode("image_id", as: String?.self) == image)
      #expect(try row.decode("key_name", as: String?.self) == server["key_name"] as? String)
      #expect(
        try row.decode("power_state", as: Int?.self)
          == server["OS-EXT-STS:power_state"] as? Int)
      #expect(
        try row.decode("compute_host", as: String?.self) == server["OS-EXT-SRV-ATTR:host"]
          as? String)
      #expect(
        Set(try row.decode("tags", as: [String]?.self) ?? [])
          == Set(server["tags"] as? [String] ?? []))
      #expect(try row.decode("raw_equal", as: Bool.self), "raw JSON of \(id)")

      // Addresses: Nova's view of the fake equals what we built from Neutron ports.
      let novaIPs = Set(
        ((server["addresses"] as? [String: [[String: Any]]]) ?? [:]).values.flatMap {
          $0.compactMap { $0["addr"] as? String }
        })
      let storedIPs = Set(
        try db.connection.query(
          "SELECT host(ip_address) AS ip FROM server_addresses WHERE server_id = \(id)::uuid"
        ).map { try $0.decode("ip", as: String.self) })
      #expect(storedIPs == novaIPs, "addresses of \(id)")

      let novaVolumes = Set(
        ((server["os-extended-volumes:volumes_attached"] as? [[String: Any]]) ?? []).compactMap {
          $0["id"] as? String
        })
      let storedVolumes = Set(
        try db.connection.query(
          "SELECT volume_id::text AS v FROM server_volumes WHERE server_id = \(id)::uuid"
        ).map { try $0.decode("v", as: String.self) })
      #expect(storedVolumes == novaVolumes, "volumes of \(id)")

      let novaGroups = Set(
        ((server["security_groups"] as? [[String: Any]]) ?? []).compactMap {
          $0["name"] as? String
        })
      let storedGroups = Set(
        try db.connection.query(
          """
          SELECT g.name FROM server_security_groups m
            JOIN security_groups g USING (scope_id, security_group_id)
           WHERE m.server_id = \(id)::uuid
          """
        ).map { try $0.decode("name", as: String.self) })
      #expect(storedGroups == novaGroups, "security groups of \(id)")
    }
    let state = try await harness.fake.state()
    let counts = state["counts"] as? [String: Any]
    if let rules = counts?["security_group_rules"] as? Int {
      #expect(try db.scalar("SELECT count(*) FROM security_group_rules", as: Int.self) == rules)
    }
    #expect(try LedgerVerifier(connection: db.connection).verify().isIntact)
  }

  @Test func resyncWithoutChurnWritesNoChange() async throws {
    let harness = try SyncHarness(servers: 200)
    try await harness.sync(.full)
    let again = try await harness.sync(.full)
    #expect(again.counts.changesWritten == 0)
    #expect(again.counts.serversChanged == 0)
    let incremental = try await harness.sync(.incremental)
    #expect(incremental.counts.changesWritten == 0)
  }

  @Test(arguments: [21, 22])
  func churnIsRecordedServerByServerWithTheRightFields(seed: Int) async throws {
    let harness = try SyncHarness(servers: 250, seed: seed)
    try await harness.sync(.full)
    let churn = try await harness.churn(40, seed: seed)
    let summary = try await harness.sync(.full)
    let created = Set(churn["created"] as? [String] ?? [])
    let deleted = Set(churn["deleted"] as? [String] ?? [])
    let changed = (churn["changed"] as? [[String: Any]]) ?? []
    let changedIDs = Set(changed.compactMap { $0["id"] as? String })
    let recorded = try harness.changedServers(run: summary.runID)
    #expect(
      recorded
        == created.union(deleted).union(changedIDs).subtracting(created.intersection(deleted)))
    #expect(summary.counts.serversCreated == created.subtracting(deleted).count)
    #expect(summary.counts.serversDeleted == deleted.subtracting(created).count)

    let expected: [String: (Set<String>) -> Bool] = [
      "resize": { $0.contains("flavor_name") || $0.contains("status") },
      "stop_start": { $0.contains("status") },
      "metadata_set": { $0.contains { $0.hasPrefix("metadata.") } },
      "metadata_delete": { $0.contains { $0.hasPrefix("metadata.") } },
      "tag_add": { $0.contains("tags") },
      "tag_remove": { $0.contains("tags") },
      "volume_attach": { $0.contains("volumes") },
      "volume_detach": { $0.contains("volumes") },
      "sg_add": { $0.contains("security_group_ids") },
      "sg_remove": { $0.contains("security_group_ids") },
      "ip_change": { $0.contains("addresses") },
      "rename": { $0.contains("name") },
      "lock_unlock": { $0.contains("locked") },
    ]
    let touchedTwice = Dictionary(grouping: changed, by: { $0["id"] as? String ?? "" })
      .filter { $0.value.count > 1 }.keys
    for change in changed {
      guard let id = change["id"] as? String, let kind = change["kind"] as? String,
        !deleted.contains(id), !touchedTwice.contains(id), let check = expected[kind]
      else { continue }
      let fields = try harness.fields(run: summary.runID, server: id)
      #expect(check(fields), "\(kind) on \(id) recorded \(fields.sorted())")
    }
    // Attribution: a resize or stop/start recorded by Nova names who did it.
    let attributed = try harness.db.scalar(
      """
      SELECT count(*) FROM changes
       WHERE run_id = \(summary.runID) AND field IN ('status', 'flavor_name')
         AND action IS NOT NULL AND action_user_id IS NOT NULL
      """, as: Int.self)
    let stateChanges = changed.filter {
      ["resize", "stop_start"].contains($0["kind"] as? String ?? "")
    }.count
    if stateChanges > 0 { #expect(attributed > 0) }
    #expect(try LedgerVerifier(connection: harness.db.connection).verify().isIntact)
  }

  @Test func incrementalThenFullAgreesWithAFreshFullSync() async throws {
    let harness = try SyncHarness(servers: 200, seed: 31)
    try await harness.sync(.full)
    try await harness.churn(30, seed: 5)
    try await harness.sync(.incremental)
    try await harness.sync(.full)

    let fresh = try LedgerDatabase()
    var options = SyncOptions()
    options.mode = .full
    options.pageSize = 100
    try await SyncEngine(
      cloud: try harness.openstack(), connection: fresh.connection, options: options
    ).run()
    let stateQuery: PostgresQuery = """
      SELECT string_agg(server_id::text || ':' || encode(fingerprint, 'hex') || ':'
                        || coalesce(addresses::text, '') || coalesce(volumes::text, '')
                        || coalesce(security_group_ids::text, '')
                        || coalesce(deleted_at IS NULL, false)::text, ',' ORDER BY server_id)
        FROM servers WHERE deleted_at IS NULL
      """
    #expect(
      try harness.db.scalar(stateQuery, as: String.self)
        == fresh.scalar(stateQuery, as: String.self))
  }

  @Test(arguments: ["partial", "skip"])
  func cellDownDeletesNothing(mode: String) async throws {
    let harness = try SyncHarness(servers: 200, seed: 41)
    try await harness.sync(.full)
    try await harness.fake.control("/_fake/cell-down", json: ["mode": mode, "fraction": 0.1])
    let summary = try await harness.sync(.full, pageSize: 1000)
    #expect(summary.counts.serversDeleted == 0)
    #expect(summary.counts.changesWritten == 0)
    #expect(try harness.db.scalar("SELECT count(*) FROM current_servers", as: Int.self) == 200)
    // With paging Nova skips down-cell servers (partial records come only without limit and
    // marker); the full run then asks for each one, and none is confirmed deleted.
    #expect(summary.serversUnconfirmed + summary.serversPartial > 0)
  }

  @Test func failedListingLeavesTheLedgerUnchanged() async throws {
    let harness = try SyncHarness(servers: 300, seed: 51)
    try await harness.sync(.full)
    try await harness.churn(20, seed: 9)
    let before = try harness.db.scalar(
      "SELECT count(*)::text || '/' || (SELECT count(*) FROM changes) FROM server_versions",
      as: String.self)
    // Every page after the first fails, beyond the retry budget.
    try await harness.fake.control(
      "/_fake/faults",
      json: [
        "seed": 1,
        "rules": [
          [
            "path": "servers/detail.*marker=", "kind": "status", "status": 500,
            "probability": 1.0,
          ]
        ],
      ])
    await #expect(throws: (any Error).self) { try await harness.sync(.full) }
    let after = try harness.db.scalar(
      "SELECT count(*)::text || '/' || (SELECT count(*) FROM changes) FROM server_versions",
      as: String.self)
    #expect(before == after)
    #expect(
      try harness.db.scalar(
        "SELECT status FROM sync_runs ORDER BY run_id DESC LIMIT 1", as: String.self) == "failed")
    try await harness.fake.control("/_fake/faults", method: "DELETE")
    let next = try await harness.sync(.full)
    #expect(next.counts.changesWritten > 0)
  }

  @Test func secondRunOfTheSameScopeIsRefusedWhileTheLockIsHeld() async throws {
    let harness = try SyncHarness(servers: 20, seed: 61)
    try await harness.sync(.full)
    let other = try harness.db.database.connect()
    defer { other.close() }
    let scope = try harness.db.scalar(
      "SELECT scope_id FROM scopes WHERE name = 'fake-admin'", as: Int.self)
    #expect(try other.tryAdvisoryLock(LedgerStore.lockKey(scopeID: scope)))
    await #expect(throws: SyncError.self) { try await harness.sync(.full) }
    try other.advisoryUnlock(LedgerStore.lockKey(scopeID: scope))
    try await harness.sync(.full)
  }

  @Test func memberCredentialsSyncTheirProjectOnlyAndSayWhy() async throws {
    let harness = try SyncHarness(servers: 100, seed: 71, cloud: "fake-member")
    let summary = try await harness.sync(.full)
    #expect(!summary.allProjects)
    #expect(summary.notes.contains { $0.contains("no admin role") })
    #expect(summary.serversSeen > 0)
    #expect(summary.serversSeen < 100)
    #expect(
      try harness.db.scalar(
        "SELECT count(*) FROM servers WHERE compute_host IS NOT NULL", as: Int.self)
        == 0)
  }

  @Test func dryRunWritesOnlyTheRunRow() async throws {
    let harness = try SyncHarness(servers: 50, seed: 81)
    let summary = try await harness.sync(.full, dryRun: true)
    #expect(summary.counts.serversCreated == 50)
    #expect(try harness.db.scalar("SELECT count(*) FROM servers", as: Int.self) == 0)
    #expect(try harness.db.scalar("SELECT count(*) FROM changes", as: Int.self) == 0)
    #expect(
      try harness.db.scalar("SELECT dry_run FROM sync_runs", as: Bool.self))
  }
}

/// The server as stored: every `links` array dropped at any depth, and no user data.
func withoutLinks(_ object: [String: Any]) -> [String: Any] {
  func strip(_ value: Any) -> Any {
    if let object = value as? [String: Any] { return withoutLinks(object) }
    if let array = value as? [Any] { return array.map(strip) }
    return value
  }
  var result: [String: Any] = [:]
  for (key, value) in object where key != "links" && key != "OS-EXT-SRV-ATTR:user_data" {
    result[key] = strip(value)
  }
  return result
}

func jsonText(_ object: [String: Any]) throws -> String {
  String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
}
