import Foundation
import OpenStackClient
import Testing

@Suite("Server decoding")
struct ServerDecodingTests {
  private func server(_ fixture: String) throws -> Server {
    let json = try Fixture.json(fixture)
    return try Server.decode(try #require(json["server"]))
  }

  @Test func microversion21ServerHasFlavorIDAndAdminAttributes() throws {
    let server = try server("server-2.1.json")
    #expect(server.id == "0e44cc9c-e052-415d-afbf-469b0d384170")
    #expect(server.name == "new-server-test")
    #expect(server.status == "ACTIVE")
    #expect(server.projectID == "6f70656e737461636b20342065766572")
    #expect(server.flavor?.id == "1")
    #expect(server.flavor?.isEmbedded == false)
    #expect(server.image?.id == "70a599e0-31e7-49b7-b260-868f441e862b")
    #expect(server.isBootedFromVolume == false)
    #expect(server.addresses?["private"]?.count == 2)
    #expect(server.addresses?["private"]?[1].type == "floating")
    #expect(server.addresses?["private"]?[0].macAddress == "aa:bb:cc:dd:ee:ff")
    #expect(server.powerState == 1)
    #expect(server.taskState == nil)
    #expect(server.vmState == "active")
    #expect(server.configDrive == false)
    #expect(server.configDriveRaw == "")
    #expect(server.volumesAttached?.map(\.id) == ["volume_id1", "volume_id2"])
    #expect(server.volumesAttached?.first?.deleteOnTermination == nil)
    #expect(server.host == "compute-01")
    #expect(server.hypervisorHostname == "compute-01.example.org")
    #expect(server.instanceName == "instance-00000001")
    #expect(server.reservationID == nil)
    #expect(server.locked == nil)
    #expect(server.tags == nil)
    #expect(server.securityGroups == ["default"])
    #expect(server.created == Date(timeIntervalSince1970: 1_378_180_892))
    let launched = try #require(server.launchedAt)
    #expect(abs(launched.timeIntervalSince1970 - 1_379_943_420.880302) < 0.000_01)
    #expect(server.isPartial == false)
  }

  @Test func microversion247ServerHasEmbeddedFlavorAndNoUserDataText() throws {
    let server = try server("server-2.47.json")
    let flavor = try #require(server.flavor)
    #expect(flavor.id == nil)
    #expect(flavor.originalName == "m1.tiny.specs")
    #expect(flavor.vcpus == 1)
    #expect(flavor.ram == 512)
    #expect(flavor.swap == 0)
    #expect(flavor.extraSpecs?["hw:cpu_policy"] == "dedicated")
    #expect(server.configDrive == true)
    #expect(server.configDriveRaw == "True")
    #expect(server.hostStatus == "UP")
    #expect(server.locked == false)
    #expect(server.description == nil)
    #expect(server.tags == [])
    #expect(server.launchIndex == 0)
    #expect(server.kernelID == "")
    #expect(server.rootDeviceName == "/dev/sda")
    #expect(server.volumesAttached?[1].deleteOnTermination == true)
    #expect(server.securityGroups == ["default", "default"])
    #expect(server.userDataPresent)
    #expect(server.userDataLength == 56)
    // sha256 of the base64 text, computed independently with sha256sum.
    #expect(
      server.userDataSHA256 == "ee2cbe56d3776402def8e0e1eddb0feba27a78a9c236275f3f4119e08c6089c5")
    let canonical = server.canonicalJSONString()
    #expect(!canonical.contains("user_data"))
    #expect(!canonical.contains("IyEvYmluL2Jhc2g"))
    #expect(server.raw["OS-EXT-SRV-ATTR:user_data"] == nil)
  }

  @Test func microversion2100ServerHasEveryNewerField() throws {
    let server = try server("server-2.100.json")
    #expect(server.pinnedAvailabilityZone == "us-west")
    #expect(server.lockedReason == "I don't want to work")
    #expect(server.locked == true)
    #expect(server.image?.properties?["architecture"] == "x86_64")
    #expect(server.serverGroups == ["e3d6f8d6-9ad4-4b5a-a6b3-2b1c05a3a7f1"])
    #expect(server.schedulerHints?["group"] == "e3d6f8d6-9ad4-4b5a-a6b3-2b1c05a3a7f1")
    #expect(server.tags == ["tag1", "tag2"])
    #expect(server.trustedImageCertificates == nil)
    #expect(server.hostname == "new-server-test")
    #expect(server.addresses?["private"]?[1].version == 6)
    #expect(server.updated == Date(timeIntervalSince1970: 1_737_367_873))
    #expect(server.host == nil, "admin-only key absent for this caller")
    #expect(server.userDataPresent == false)
  }

  @Test func rawDropsEveryLinksArrayButKeepsUnknownKeys() throws {
    let page = try ServerPage.decode(try Fixture.data("servers-detail-odd-shapes.json"))
    let first = page.servers[0]
    #expect(first.raw["links"] == nil)
    #expect(first.raw["x-future-key"] == ["nested": [1, 2.5, true, nil, "text"]])
    let v21 = try server("server-2.1.json")
    #expect(v21.raw["flavor"] == ["id": "1"])
    #expect(!v21.canonicalJSONString().contains("\"links\""))
  }

  @Test func canonicalJSONSortsKeysWithoutWhitespace() throws {
    let value: JSONValue = ["b": [1, "x\"y\n"], "a": ["d": nil, "c": true]]
    #expect(value.canonicalJSONString() == #"{"a":{"c":true,"d":null},"b":[1,"x\"y\n"]}"#)
  }

  @Test func oddShapesDecode() throws {
    let page = try ServerPage.decode(try Fixture.data("servers-detail-odd-shapes.json"))
    #expect(page.servers.count == 3)
    let bootFromVolume = page.servers[0]
    #expect(bootFromVolume.image == nil)
    #expect(bootFromVolume.isBootedFromVolume)
    #expect(bootFromVolume.flavor?.isEmpty == true)
    #expect(bootFromVolume.progress == nil)
    #expect(bootFromVolume.taskState == nil)
    #expect(bootFromVolume.configDrive == true)
    #expect(bootFromVolume.securityGroups == nil, "absent security_groups stays nil")
    #expect(bootFromVolume.addresses?.isEmpty == true)
    #expect(bootFromVolume.hostID == "")

    let broken = page.servers[1]
    #expect(broken.fault?.code == 500)
    #expect(broken.fault?.message == "No valid host was found. ")
    #expect(broken.fault?.created == Date(timeIntervalSince1970: 1_714_522_199))
    #expect(broken.securityGroups == [], "present but empty is not nil")
    #expect(broken.flavor?.id == "2")

    let partial = page.servers[2]
    #expect(partial.isPartial)
    #expect(partial.status == "UNKNOWN")
    #expect(partial.projectID == "p2")
    #expect(partial.name == nil)
    #expect(partial.flavor == nil)
    #expect(page.servers[0].isPartial == false)
  }

  @Test func nextMarkerComesFromTheLinkQueryNotItsHost() throws {
    let data = try Fixture.data("servers-detail-odd-shapes.json")
    let page = try ServerPage.decode(data)
    #expect(page.nextMarker == "33333333-3333-4333-8333-333333333333")
    #expect(ComputeService.nextMarker(in: data) == "33333333-3333-4333-8333-333333333333")
  }

  @Test func lastPageHasNoNextMarker() throws {
    let data = Data(#"{"servers": [{"id": "a", "name": "n", "links": []}]}"#.utf8)
    #expect(ComputeService.nextMarker(in: data) == nil)
    #expect(try ComputeService.decodeServerPage(data).nextMarker == nil)
    let empty = Data(
      #"{"servers": [], "servers_links": [{"rel": "next", "href": "x?marker=z"}]}"#.utf8)
    #expect(try ComputeService.decodeServerPage(empty).nextMarker == nil)
  }

  @Test func nextMarkerIgnoresLookalikeKeysInsideServers() throws {
    let text = #"""
      {"servers": [{"id": "a", "metadata": {"servers_links": "[{\"rel\": \"next\"}]"},
      "servers_links": [{"rel": "next", "href": "x?marker=wrong"}]}],
      "servers_links": [{"rel": "next", "href": "http://h/v2.1/servers/detail?marker=right&limit=1"}]}
      """#
    #expect(ComputeService.nextMarker(in: Data(text.utf8)) == "right")
  }

  @Test func wrongTypeNamesServerKeyAndExpectation() throws {
    let error = try #require(throws: OpenStackError.self) {
      try ServerPage.decode(try Fixture.data("server-wrong-type.json"))
    }
    #expect(
      error.description
        == #"server 8f0c1b7e-0000-4000-8000-000000000000: key "OS-EXT-STS:power_state" expected an integer, found a string ("1")"#
    )
  }

  @Test func truncatedBodyIsAClearMalformedJSONError() throws {
    let error = try #require(throws: OpenStackError.self) {
      try ServerPage.decode(try Fixture.data("servers-truncated.json"))
    }
    guard case .malformedJSON(let resource, let reason) = error else {
      Issue.record("expected malformedJSON, got \(error)")
      return
    }
    #expect(resource == "servers page")
    #expect(reason.contains("truncated"))
  }

  @Test(arguments: [
    ("{\"servers\": [", "truncated"),
    ("{\"servers\": [}]}", "unexpected character"),
    ("<html>502 Bad Gateway</html>", "unexpected character '<'"),
    ("", "empty body"),
  ])
  func malformedJSONSaysWhatIsWrong(text: String, expected: String) throws {
    let error = try #require(throws: OpenStackError.self) { try ServerPage.decode(Data(text.utf8)) }
    #expect(error.description.contains(expected), "\(error)")
  }

  @Test func nestedWrongTypeNamesThePath() throws {
    let text = #"{"servers": [{"id": "s1", "addresses": {"net": [{"addr": 4}]}}]}"#
    let error = try #require(throws: OpenStackError.self) { try ServerPage.decode(Data(text.utf8)) }
    #expect(
      error.description
        == #"server s1: key "addresses.net[0].addr" expected a string, found an integer"#)
  }

  @Test func missingIDIsAnError() throws {
    let error = try #require(throws: OpenStackError.self) {
      try ServerPage.decode(Data(#"{"servers": [{"name": "x"}]}"#.utf8))
    }
    #expect(error.description.contains("key \"id\""))
  }
}
