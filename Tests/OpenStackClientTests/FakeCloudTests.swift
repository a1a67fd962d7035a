import Foundation
import OpenStackClient
import TestSupport
import Testing

/// Records request bodies on their way to the real transport.
final class RecordingTransport: HTTPTransport, @unchecked Sendable {
  private let inner: any HTTPTransport
  private let lock = NSLock()
  private var recorded: [HTTPRequest] = []

  init(wrapping inner: any HTTPTransport) {
    self.inner = inner
  }

  var requests: [HTTPRequest] { lock.withLock { recorded } }

  func send(_ request: HTTPRequest) async throws -> HTTPResponse {
    lock.withLock { recorded.append(request) }
    return try await inner.send(request)
  }
}

struct FakeCloudHarness {
  let fake: FakeCloud
  let recorder = RecordingTransport(wrapping: URLSessionTransport())
  let log = LogCollector()

  init(servers: Int = 60, arguments: [String] = []) throws {
    fake = try FakeCloud(servers: servers, seed: 7, arguments: arguments)
  }

  func config(_ cloud: String, overrides: [String: String] = [:]) throws -> CloudConfig {
    try CloudConfigLoader(
      environment: ["OS_CLIENT_CONFIG_FILE": fake.cloudsYAMLPath], homeDirectory: fake.directory,
      currentDirectory: fake.directory, systemDirectory: fake.directory + "/etc"
    ).load(cloud: cloud, overrides: overrides)
  }

  func cloud(_ name: String = "fake-admin", overrides: [String: String] = [:], maxAttempts: Int = 5)
    throws
    -> OpenStackCloud
  {
    OpenStackCloud(
      config: try config(name, overrides: overrides), transport: recorder,
      retryPolicy: RetryPolicy(
        maxAttempts: maxAttempts, baseDelay: 0.01, maxDelay: 0.05, maxRetryAfter: 1.5),
      debugLog: log.log)
  }

  func counts() async throws -> [String: Any] {
    try await fake.state()["counts"] as? [String: Any] ?? [:]
  }

  func allServers(_ compute: ComputeService, query: ServerQuery) async throws -> [Server] {
    var servers: [Server] = []
    for try await page in compute.serverPages(query) { servers += page.servers }
    return servers
  }
}

@Suite("Against the fake cloud over HTTP", .serialized)
struct FakeCloudTests {
  @Test func authenticatesWithEveryCloudOfTheGeneratedClouds() async throws {
    let harness = try FakeCloudHarness()
    let admin = try harness.cloud("fake-admin")
    #expect(try await admin.isAdmin)
    let member = try harness.cloud("fake-member")
    #expect(try await member.isAdmin == false)
    let appcred = try harness.cloud("fake-appcred")
    #expect(try await appcred.isAdmin)
    let projects = try await harness.fake.state()["projects"]
    let adminProjectID = try await admin.projectID
    #expect(adminProjectID != nil)
    #expect(try await appcred.projectID == adminProjectID)
    #expect("\(String(describing: projects))".contains(try #require(adminProjectID)))
  }

  @Test func negotiatesTheNewestKnownMicroversionOrThePin() async throws {
    let harness = try FakeCloudHarness(arguments: ["--max-microversion", "2.104"])
    #expect(try await harness.cloud().compute().microversion == Microversion(2, 100))
    let pinned = try harness.cloud(overrides: ["compute_api_version": "2.47"])
    #expect(try await pinned.compute().microversion == Microversion(2, 47))
    let error = try await #require(throws: OpenStackError.self) {
      try await harness.cloud(overrides: ["compute_api_version": "2.105"]).compute()
    }
    #expect(
      error.description.contains("2.105 was requested, but the service supports 2.1 to 2.104"))
    let old = try FakeCloudHarness(arguments: ["--max-microversion", "2.60"])
    #expect(try await old.cloud().compute().microversion == Microversion(2, 60))
  }

  @Test(arguments: ["2.1", "2.47", "2.69", "2.90", "2.100"])
  func pagingYieldsEveryServerExactlyOnce(version: String) async throws {
    let harness = try FakeCloudHarness(servers: 230)
    let compute = try await harness.cloud(overrides: ["compute_api_version": version]).compute()
    #expect(compute.microversion.description == version)
    let servers = try await harness.allServers(
      compute, query: ServerQuery(limit: 50, allTenants: true))
    let live = try #require(try await harness.counts()["servers"] as? Int)
    #expect(servers.count == live)
    #expect(Set(servers.map(\.id)).count == servers.count)
    #expect(servers.allSatisfy { $0.name != nil && $0.created != nil && $0.flavor != nil })
    let sent = harness.recorder.requests.filter { $0.url.path.hasSuffix("/servers/detail") }
    #expect(sent.count == (live + 49) / 50 + (live % 50 == 0 ? 1 : 0))
    #expect(sent.allSatisfy { $0.headers["OpenStack-API-Version"] == "compute \(version)" })
    #expect(sent.allSatisfy { $0.headers["X-OpenStack-Nova-API-Version"] == version })
  }

  @Test func splitPagingAPIMatchesTheStream() async throws {
    let harness = try FakeCloudHarness(servers: 120)
    let compute = try await harness.cloud().compute()
    let query = ServerQuery(limit: 40, allTenants: true)
    var marker: String?
    var ids: [String] = []
    repeat {
      let data = try await compute.fetchServerPageData(query: query, marker: marker)
      let cheap = ComputeService.nextMarker(in: data)
      let page = try ComputeService.decodeServerPage(data)
      #expect(cheap == page.nextMarker || page.servers.isEmpty)
      ids += page.servers.map(\.id)
      marker = page.nextMarker
    } while marker != nil
    let streamed = try await harness.allServers(compute, query: query).map(\.id)
    #expect(ids == streamed)
    #expect(ids.count == 120)
  }

  @Test func memberSeesOnlyItsProjectAndIsRefusedAllTenants() async throws {
    let harness = try FakeCloudHarness(servers: 100)
    let compute = try await harness.cloud("fake-member").compute()
    let servers = try await harness.allServers(compute, query: ServerQuery(limit: 30))
    let member = try harness.cloud("fake-member")
    let project = try await member.projectID
    #expect(servers.allSatisfy { $0.projectID == project })
    #expect(servers.allSatisfy { $0.host == nil }, "admin-only keys are absent for a member")
    let error = try await #require(throws: OpenStackError.self) {
      try await harness.allServers(compute, query: ServerQuery(allTenants: true))
    }
    #expect(error.status == 403)
    #expect(
      error.description.contains(
        "compute: GET /compute/v2.1/servers/detail?limit=1000&all_tenants=1 returned 403"))
    #expect(error.description.contains("[request req-"))
  }

  @Test func reauthenticatesWhenTheTokenExpiresMidListing() async throws {
    let harness = try FakeCloudHarness(servers: 200)
    let cloud = try harness.cloud()
    let compute = try await cloud.compute()
    let before = try #require(try await harness.fake.state()["tokens_issued"] as? Int)
    try await harness.fake.control("/_fake/tokens", json: ["expire_after_calls": 2])
    let servers = try await harness.allServers(
      compute, query: ServerQuery(limit: 20, allTenants: true))
    #expect(servers.count == 200)
    let after = try #require(try await harness.fake.state()["tokens_issued"] as? Int)
    #expect(after - before >= 4)
    try await harness.fake.control("/_fake/tokens", json: ["revoke_all": true])
    try await harness.fake.control("/_fake/tokens", json: ["expire_after_calls": 0])
    _ = try await compute.server(id: servers[0].id)
  }

  @Test(arguments: [503, 429, 502])
  func retriesTransientFaults(status: Int) async throws {
    let harness = try FakeCloudHarness(servers: 80)
    let compute = try await harness.cloud().compute()
    try await harness.fake.control(
      "/_fake/faults",
      json: [
        "seed": 1,
        "rules": [
          [
            "path": "servers/detail", "method": "GET", "kind": "status", "status": status,
            "retry_after": 1, "max": 2,
          ]
        ],
      ])
    let servers = try await harness.allServers(
      compute, query: ServerQuery(limit: 50, allTenants: true))
    #expect(servers.count == 80)
    #expect(try await harness.fake.state()["faults_fired"] as? Int == 2)
    #expect(
      harness.log.lines.contains { $0.hasPrefix("RETRY GET") && $0.contains("status \(status)") })
  }

  @Test(arguments: ["truncate", "reset"])
  func retriesCutConnections(kind: String) async throws {
    let harness = try FakeCloudHarness(servers: 30)
    let compute = try await harness.cloud().compute()
    try await harness.fake.control(
      "/_fake/faults",
      json: [
        "seed": 1, "rules": [["path": "servers/detail", "method": "GET", "kind": kind, "max": 1]],
      ])
    let servers = try await harness.allServers(compute, query: ServerQuery(allTenants: true))
    #expect(servers.count == 30)
    #expect(try await harness.fake.state()["faults_fired"] as? Int == 1)
  }

  @Test func malformedBodyIsAClearErrorAndNotRetried() async throws {
    let harness = try FakeCloudHarness(servers: 30)
    let compute = try await harness.cloud().compute()
    try await harness.fake.control(
      "/_fake/faults",
      json: [
        "seed": 1,
        "rules": [["path": "servers/detail", "method": "GET", "kind": "malformed", "max": 5]],
      ])
    let error = try await #require(throws: OpenStackError.self) {
      try await harness.allServers(compute, query: ServerQuery(allTenants: true))
    }
    guard case .malformedJSON = error else {
      Issue.record("expected malformedJSON, got \(error)")
      return
    }
    #expect(try await harness.fake.state()["faults_fired"] as? Int == 1)
  }

  @Test func wrongTypeNamesTheServerAndKey() async throws {
    let harness = try FakeCloudHarness(servers: 30)
    let compute = try await harness.cloud().compute()
    try await harness.fake.control(
      "/_fake/faults",
      json: [
        "seed": 1,
        "rules": [["path": "servers/detail", "method": "GET", "kind": "wrongtype", "max": 1]],
      ])
    let error = try await #require(throws: OpenStackError.self) {
      try await harness.allServers(compute, query: ServerQuery(allTenants: true))
    }
    guard case .decoding(let resource, let id, let key, _, _) = error else {
      Issue.record("expected a decoding error, got \(error)")
      return
    }
    #expect(resource == "server")
    #expect(key != nil)
    _ = id
  }

  @Test func downCellServersComeBackAsPartialRecords() async throws {
    let harness = try FakeCloudHarness(servers: 100)
    let compute = try await harness.cloud().compute()
    try await harness.fake.control("/_fake/cell-down", json: ["mode": "partial", "fraction": 0.2])
    let servers = try await harness.allServers(
      compute, query: ServerQuery(limit: nil, allTenants: true))
    let partial = servers.filter(\.isPartial)
    #expect(!partial.isEmpty)
    #expect(partial.allSatisfy { $0.status == "UNKNOWN" && $0.name == nil && $0.projectID != nil })
    #expect(servers.count == 100)
  }

  @Test func missingServerIsNotFound() async throws {
    let harness = try FakeCloudHarness(servers: 5)
    let compute = try await harness.cloud().compute()
    let error = try await #require(throws: OpenStackError.self) {
      try await compute.server(id: "00000000-0000-4000-8000-000000000000")
    }
    #expect(error.isNotFound)
    #expect(error.description.contains("itemNotFound"))
  }

  @Test func listsNetworkAndBlockStorageCompletely() async throws {
    let harness = try FakeCloudHarness(servers: 150)
    let cloud = try harness.cloud()
    let counts = try await harness.counts()
    let network = try await cloud.network()
    let ports = try await network.ports()
    #expect(ports.count == counts["ports"] as? Int)
    #expect(try await network.ports(pageSize: 40).map(\.id) == ports.map(\.id))
    #expect(ports.filter(\.isComputePort).count == counts["compute_ports"] as? Int)
    let groups = try await network.securityGroups(pageSize: 7)
    #expect(groups.count == counts["security_groups"] as? Int)
    #expect(groups.reduce(0) { $0 + $1.rules.count } == counts["security_group_rules"] as? Int)
    #expect(try await network.floatingIPs(pageSize: 5).count == counts["floating_ips"] as? Int)
    let networks = try await network.networks()
    #expect(networks.count == counts["networks"] as? Int)
    let storage = try await cloud.blockStorage()
    #expect(storage.microversion == Microversion(3, 70))
    let volumes = try await storage.volumes(allTenants: true, pageSize: 60)
    #expect(volumes.count == counts["volumes"] as? Int)
    #expect(Set(volumes.map(\.id)).count == volumes.count)
    #expect(volumes.allSatisfy { $0.projectID != nil })
    let compute = try await cloud.compute()
    let servers = try await harness.allServers(compute, query: ServerQuery(allTenants: true))
    let networkNames = Set(networks.compactMap(\.name))
    #expect(servers.allSatisfy { Set($0.addresses?.keys ?? [:].keys).isSubset(of: networkNames) })
  }

  @Test func instanceActionsAttachmentsAndSecurityGroupsOfAServer() async throws {
    let harness = try FakeCloudHarness(servers: 40)
    let compute = try await harness.cloud().compute()
    let servers = try await harness.allServers(compute, query: ServerQuery(allTenants: true))
    let server = try #require(
      servers.first { ($0.volumesAttached?.isEmpty == false) && $0.status == "ACTIVE" })
    let actions = try await compute.instanceActions(serverID: server.id, pageSize: 1)
    #expect(actions.contains { $0.action == "create" })
    let create = try #require(actions.first { $0.action == "create" })
    let detailed = try await compute.instanceAction(
      serverID: server.id, requestID: create.requestID)
    #expect(detailed.events?.isEmpty == false)
    let attachments = try await compute.volumeAttachments(serverID: server.id)
    #expect(Set(attachments.map(\.volumeID)) == Set(server.volumesAttached?.map(\.id) ?? []))
    let groups = try await compute.securityGroups(serverID: server.id)
    #expect(Set(groups.compactMap(\.name)) == Set(server.securityGroups ?? []))
    let flavors = try await compute.flavors(pageSize: 3)
    #expect(flavors.count == (try await harness.counts())["flavors"] as? Int)
  }

  @Test func serverActionsSendNovaBodiesAndChangeState() async throws {
    let harness = try FakeCloudHarness(servers: 40, arguments: ["--reclaim"])
    let cloud = try harness.cloud()
    let compute = try await cloud.compute()
    let servers = try await harness.allServers(compute, query: ServerQuery(allTenants: true))
    let target = try #require(
      servers.first { $0.status == "ACTIVE" && $0.locked != true && !$0.isBootedFromVolume })
    let id = target.id
    func lastBody() throws -> String {
      let request = try #require(
        harness.recorder.requests.last { $0.url.path.hasSuffix("/action") })
      return try JSONValue.parse(try #require(request.body)).canonicalJSONString()
    }

    try await compute.stop(serverID: id)
    #expect(try lastBody() == #"{"os-stop":null}"#)
    #expect(try await compute.server(id: id).status == "SHUTOFF")
    try await compute.start(serverID: id)
    #expect(try lastBody() == #"{"os-start":null}"#)
    #expect(try await compute.server(id: id).status == "ACTIVE")
    try await compute.reboot(serverID: id, type: .hard)
    #expect(try lastBody() == #"{"reboot":{"type":"HARD"}}"#)
    try await compute.reboot(serverID: id)
    #expect(try lastBody() == #"{"reboot":{"type":"SOFT"}}"#)

    let newPassword = Secret("n3w-Adm1n-pass")
    try await compute.changePassword(serverID: id, to: newPassword)
    #expect(try lastBody() == #"{"changePassword":{"adminPass":"n3w-Adm1n-pass"}}"#)

    let flavors = try await compute.flavors()
    let current = try #require(target.flavor?.originalName)
    let other = try #require(flavors.first { $0.name != current })
    try await compute.resize(serverID: id, flavorID: other.id, diskConfig: "AUTO")
    #expect(
      try lastBody() == #"{"resize":{"OS-DCF:diskConfig":"AUTO","flavorRef":"\#(other.id)"}}"#)
    #expect(try await compute.server(id: id).status == "VERIFY_RESIZE")
    try await compute.confirmResize(serverID: id)
    #expect(try lastBody() == #"{"confirmResize":null}"#)
    let resized = try await compute.server(id: id)
    #expect(resized.status == "ACTIVE")
    #expect(resized.flavor?.originalName == other.name)
    try await compute.resize(
      serverID: id, flavorID: try #require(flavors.first { $0.name == current }).id)
    try await compute.revertResize(serverID: id)
    #expect(try lastBody() == #"{"revertResize":null}"#)
    #expect(try await compute.server(id: id).flavor?.originalName == other.name)

    let imageID = try await compute.createImage(serverID: id, name: "snap", metadata: ["k": "v"])
    #expect(try lastBody() == #"{"createImage":{"metadata":{"k":"v"},"name":"snap"}}"#)
    #expect(imageID?.isEmpty == false)
    let old = try await harness.cloud(overrides: ["compute_api_version": "2.44"]).compute()
    #expect(
      try await old.createImage(serverID: id, name: "snap-old") != nil, "from the Location header")

    let image = try #require(servers.compactMap(\.image?.id).first { $0 != target.image?.id })
    let rebuilt = try await compute.rebuild(
      serverID: id,
      options: RebuildOptions(
        imageRef: image, name: "rebuilt", adminPassword: Secret("r3build-pass"),
        metadata: ["a": "b"]))
    #expect(
      try lastBody()
        == #"{"rebuild":{"adminPass":"r3build-pass","imageRef":"\#(image)","metadata":{"a":"b"},"name":"rebuilt"}}"#
    )
    #expect(rebuilt?.name == "rebuilt")
    #expect(try await compute.server(id: id).image?.id == image)

    try await compute.client.send("DELETE", "servers/\(id)")
    #expect(try await compute.server(id: id).status == "SOFT_DELETED")
    try await compute.forceDelete(serverID: id)
    #expect(try lastBody() == #"{"forceDelete":null}"#)
    let gone = try await #require(throws: OpenStackError.self) { try await compute.server(id: id) }
    #expect(gone.isNotFound)
    let record = try await harness.fake.serverRecord(id)
    #expect("\(record)".contains("delete"))

    for line in harness.log.lines {
      #expect(!line.contains("n3w-Adm1n-pass") && !line.contains("r3build-pass"))
    }
  }

  @Test func noSecretAppearsInLogsOrErrors() async throws {
    let harness = try FakeCloudHarness(servers: 20)
    var errors: [String] = []
    for name in ["fake-admin", "fake-member", "fake-appcred"] {
      let cloud = try harness.cloud(name)
      let compute = try await cloud.compute()
      _ = try await harness.allServers(compute, query: ServerQuery(limit: 7))
      do {
        _ = try await compute.server(id: "missing")
      } catch {
        errors.append("\(error)")
      }
    }
    for (name, key) in [
      ("fake-admin", "password"), ("fake-appcred", "application_credential_secret"),
    ] {
      do {
        _ = try await harness.cloud(name, overrides: [key: "wrong-\(key)"]).authenticate()
        Issue.record("authentication with a wrong \(key) succeeded")
      } catch {
        errors.append("\(error)")
      }
    }
    #expect(errors.count == 5)
    #expect(errors.last?.contains("401") == true)
    let tokens = harness.recorder.requests.compactMap { $0.headers["X-Auth-Token"] }
    #expect(!tokens.isEmpty)
    let secrets =
      ["fake-admin-password", "fake-alice-password", "fake-appcred-secret", "wrong-password"]
      + tokens
    let everything = harness.log.lines + errors
    #expect(everything.count > 10)
    for text in everything {
      for secret in secrets {
        #expect(!text.contains(secret), "a secret leaked into: \(text)")
      }
    }
  }
}
