import Foundation
import OpenStackClient
import Testing

@Suite("clouds.yaml and OS_* configuration")
struct CloudConfigLoaderTests {
  let directory: TemporaryDirectory

  init() throws {
    directory = try TemporaryDirectory()
  }

  func loader(_ environment: [String: String] = [:]) -> CloudConfigLoader {
    CloudConfigLoader(
      environment: environment, homeDirectory: directory.path + "/home",
      currentDirectory: directory.path + "/cwd",
      systemDirectory: directory.path + "/etc")
  }

  static let prodYAML = """
    clouds:
      prod:
        region_name: RegionOne
        identity_api_version: 3
        auth:
          auth_url: https://keystone.example:5000
          username: auditor
          project_name: admin
          user_domain_name: Users
          project_domain_name: Default
        compute_api_version: "2.60"
      other:
        auth_type: v3applicationcredential
        auth:
          auth_url: https://keystone.example:5000/v3/
          application_credential_id: ac-1
          application_credential_secret: s3cr3t-app
    """

  static let prodWithPassword = prodYAML.replacingOccurrences(
    of: "username: auditor", with: "username: auditor\n      password: PASSWORD")

  @Test func namedCloudWithSecureYAMLMerged() throws {
    try directory.write("home/.config/openstack/clouds.yaml", Self.prodYAML)
    try directory.write(
      "home/.config/openstack/secure.yaml", "clouds:\n  prod:\n    auth:\n      password: hunter2\n"
    )
    let config = try loader(["OS_CLOUD": "prod"]).load()
    #expect(config.cloudName == "prod")
    #expect(config.authURL.absoluteString == "https://keystone.example:5000/v3")
    #expect(
      config.auth
        == .password(
          user: .name("auditor", domain: .name("Users")), password: Secret("hunter2"),
          scope: .name("admin", domain: .name("Default"))))
    #expect(config.regionName == "RegionOne")
    #expect(config.interface == "public")
    #expect(config.computeAPIVersion == "2.60")
    #expect(config.sourceFiles.count == 2)
  }

  @Test func applicationCredentialCloud() throws {
    try directory.write("cwd/clouds.yaml", Self.prodYAML)
    let config = try loader().load(cloud: "other")
    #expect(config.auth == .applicationCredential(id: "ac-1", secret: Secret("s3cr3t-app")))
    #expect(config.authURL.absoluteString == "https://keystone.example:5000/v3")
  }

  @Test func searchPathPrefersExplicitFileThenCwdThenUserThenSystem() throws {
    let make = { (name: String) in
      "clouds:\n  c:\n    auth: {auth_url: 'http://\(name)/v3', token: t}\n    auth_type: token\n"
    }
    try directory.write("etc/clouds.yaml", make("etc"))
    #expect(try loader().load(cloud: "c").authURL.host == "etc")
    try directory.write("home/.config/openstack/clouds.yml", make("home"))
    #expect(try loader().load(cloud: "c").authURL.host == "home")
    try directory.write(
      "cwd/clouds.json",
      #"{"clouds": {"c": {"auth_type": "token", "auth": {"auth_url": "http://cwd", "token": "t"}}}}"#
    )
    #expect(try loader().load(cloud: "c").authURL.host == "cwd")
    let explicit = try directory.write("elsewhere.yaml", make("explicit"))
    #expect(
      try loader(["OS_CLIENT_CONFIG_FILE": explicit]).load(cloud: "c").authURL.host == "explicit")
    try directory.write("xdg/openstack/clouds.yaml", make("xdg"))
    try FileManager.default.removeItem(atPath: directory.path + "/cwd/clouds.json")
    #expect(
      try loader(["XDG_CONFIG_HOME": directory.path + "/xdg"]).load(cloud: "c").authURL.host
        == "xdg")
  }

  @Test func precedenceIsOverridesThenEnvironmentThenFile() throws {
    try directory.write(
      "cwd/clouds.yaml",
      Self.prodWithPassword.replacingOccurrences(of: "PASSWORD", with: "from-file"))
    let environment = [
      "OS_CLOUD": "prod", "OS_PASSWORD": "from-env", "OS_REGION_NAME": "RegionEnv",
    ]
    let fromEnvironment = try loader(environment).load()
    guard case .password(_, let password, _) = fromEnvironment.auth else {
      Issue.record("expected password auth")
      return
    }
    #expect(password == Secret("from-env"))
    #expect(fromEnvironment.regionName == "RegionEnv")
    let overridden = try loader(environment).load(overrides: [
      "password": "from-flag", "compute_api_version": "2.1",
    ])
    guard case .password(_, let flagPassword, _) = overridden.auth else {
      Issue.record("expected password auth")
      return
    }
    #expect(flagPassword == Secret("from-flag"))
    #expect(overridden.computeAPIVersion == "2.1")
    #expect(
      try loader(environment.merging(["OS_COMPUTE_API_VERSION": "2.95"]) { $1 }).load()
        .computeAPIVersion == "2.95")
  }

  @Test func osCloudFlagWinsOverEnvironmentSelection() throws {
    try directory.write("cwd/clouds.yaml", Self.prodYAML)
    #expect(try loader(["OS_CLOUD": "prod"]).load(cloud: "other").cloudName == "other")
  }

  @Test func environmentOnlyCloud() throws {
    let config = try loader([
      "OS_AUTH_URL": "http://keystone:5000/v3", "OS_USERNAME": "admin", "OS_PASSWORD": "pw",
      "OS_PROJECT_ID": "p-1", "OS_USER_DOMAIN_ID": "default", "OS_INTERFACE": "internal",
      "OS_INSECURE": "true",
    ]).load()
    #expect(config.cloudName == "envvars")
    #expect(
      config.auth
        == .password(
          user: .name("admin", domain: .id("default")), password: Secret("pw"), scope: .id("p-1")))
    #expect(config.interface == "internal")
    #expect(config.tls.insecure)
  }

  @Test func environmentCloudCanBeRenamed() throws {
    let config = try loader([
      "OS_AUTH_URL": "http://keystone/v3", "OS_AUTH_TYPE": "v3applicationcredential",
      "OS_APPLICATION_CREDENTIAL_ID": "x", "OS_APPLICATION_CREDENTIAL_SECRET": "y",
      "OS_CLOUD_NAME": "mine",
    ]).load()
    #expect(config.cloudName == "mine")
  }

  @Test func selectorVariablesAloneCreateNoCloud() throws {
    let error = try #require(throws: OpenStackError.self) {
      try loader(["OS_REGION_NAME": "R"]).load()
    }
    #expect(error.description.contains("no cloud selected"))
  }

  @Test func tenantAliasesDomainCopyAndTopLevelAuthKeys() throws {
    try directory.write(
      "cwd/clouds.yaml",
      """
      clouds:
        legacy:
          auth_url: http://keystone/v3
          username: u
          password: p
          tenant_name: legacy-project
          domain_name: Corp
          endpoint_type: internal
          verify: false
          cacert: /ca.pem
          auth:
            project_name: ignored-because-top-level-wins
      """)
    let config = try loader().load(cloud: "legacy")
    #expect(
      config.auth
        == .password(
          user: .name("u", domain: .name("Corp")), password: Secret("p"),
          scope: .name("legacy-project", domain: .name("Corp"))))
    #expect(config.interface == "internal")
    #expect(config.tls == TLSOptions(insecure: true, caCertificatePath: nil))
  }

  @Test func cacertIsUsedWhenVerifying() throws {
    try directory.write(
      "cwd/clouds.yaml",
      "clouds:\n  c:\n    cacert: /etc/ca.pem\n    auth_type: token\n    auth: {auth_url: 'https://k/v3', token: t, project_id: p}\n"
    )
    #expect(
      try loader().load(cloud: "c").tls
        == TLSOptions(insecure: false, caCertificatePath: "/etc/ca.pem"))
  }

  @Test func anchorsAliasesAndMergeKeys() throws {
    try directory.write(
      "cwd/clouds.yaml",
      """
      base: &base
        auth_type: token
        region_name: R1
      clouds:
        a:
          <<: *base
          auth: &auth {auth_url: 'http://k/v3', token: tok, project_id: p}
        b:
          <<: *base
          region_name: R2
          auth: *auth
      """)
    #expect(try loader().load(cloud: "a").regionName == "R1")
    let b = try loader().load(cloud: "b")
    #expect(b.regionName == "R2")
    #expect(b.auth == .token(Secret("tok"), scope: .id("p")))
  }

  @Test func missingCloudNamesTheFileAndTheDefinedClouds() throws {
    let path = try directory.write("cwd/clouds.yaml", Self.prodYAML)
    let error = try #require(throws: OpenStackError.self) { try loader().load(cloud: "nope") }
    #expect(
      error.description
        == "Configuration error: cloud \"nope\" is not defined in \(path) (defined clouds: other, prod)"
    )
  }

  @Test func missingCloudWithoutAnyFileSaysWhereItLooked() throws {
    let error = try #require(throws: OpenStackError.self) { try loader().load(cloud: "nope") }
    #expect(error.description.contains("no clouds.yaml was found"))
    #expect(error.description.contains("/etc/clouds.yaml"))
  }

  @Test(arguments: [
    ("auth: {username: u, password: p, project_name: x}", "auth.auth_url is missing"),
    ("auth: {auth_url: 'http://k', username: u, project_name: x}", "auth.password is missing"),
    (
      "auth: {auth_url: 'http://k', password: p, project_name: x}",
      "auth.username (or auth.user_id) is missing"
    ),
    (
      "auth: {auth_url: 'http://k', username: u, password: p}",
      "auth.project_name or auth.project_id is missing"
    ),
    (
      "auth_type: v3applicationcredential\n    auth: {auth_url: 'http://k', application_credential_id: i}",
      "application_credential_secret is missing"
    ),
    (
      "auth_type: kerberos\n    auth: {auth_url: 'http://k'}",
      "auth_type \"kerberos\" is not supported"
    ),
    (
      "auth: {auth_url: 'http://k/v2.0', username: u, password: p, project_name: x}",
      "only v3 is supported"
    ),
  ])
  func missingFieldsAreNamed(body: String, expected: String) throws {
    let path = try directory.write("cwd/clouds.yaml", "clouds:\n  c:\n    \(body)\n")
    let error = try #require(throws: OpenStackError.self) { try loader().load(cloud: "c") }
    #expect(error.description.contains(expected), "\(error)")
    #expect(error.description.contains("cloud \"c\" (from \(path))"), "\(error)")
  }

  @Test func yamlSyntaxErrorsCarryFileLineAndColumn() throws {
    let path = try directory.write(
      "cwd/clouds.yaml", "clouds:\n  c:\n    auth: {auth_url: x\n    bad: [\n")
    let error = try #require(throws: OpenStackError.self) { try loader().load(cloud: "c") }
    guard case .configurationFile(let file, let line, let column, _) = error else {
      Issue.record("expected a configurationFile error, got \(error)")
      return
    }
    #expect(file == path)
    #expect(line != nil)
    #expect(column != nil)
  }

  @Test func unreadableFileIsNamed() throws {
    let path = try directory.write("cwd/clouds.yaml", Self.prodYAML)
    try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: path)
    defer { try? FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path) }
    guard !FileManager.default.isReadableFile(atPath: path) else { return }  // running as root
    let error = try #require(throws: OpenStackError.self) { try loader().load(cloud: "prod") }
    #expect(error.description.contains(path))
    #expect(error.description.contains("cannot be read"))
  }

  @Test func directoryInPlaceOfFileIsAnUnreadableFileError() throws {
    try FileManager.default.createDirectory(
      atPath: directory.path + "/cwd/clouds.yaml", withIntermediateDirectories: true)
    let error = try #require(throws: OpenStackError.self) { try loader().load(cloud: "prod") }
    #expect(error.description.contains("clouds.yaml"))
    #expect(error.description.contains("cannot be read"))
  }

  @Test func missingExplicitConfigFileIsAnError() throws {
    let error = try #require(throws: OpenStackError.self) {
      try loader(["OS_CLIENT_CONFIG_FILE": "/nonexistent/clouds.yaml", "OS_CLOUD": "x"]).load()
    }
    #expect(error.description.contains("/nonexistent/clouds.yaml"))
  }

  @Test func secretsNeverAppearInDescriptions() throws {
    try directory.write(
      "cwd/clouds.yaml", Self.prodWithPassword.replacingOccurrences(of: "PASSWORD", with: "hunter2")
    )
    let config = try loader().load(cloud: "prod")
    #expect(!"\(config)".contains("hunter2"))
    #expect(!String(reflecting: config).contains("hunter2"))
    var dumped = ""
    dump(config, to: &dumped)
    #expect(!dumped.contains("hunter2"))
    #expect("\(Secret("x"))" == "<redacted>")
  }
}
