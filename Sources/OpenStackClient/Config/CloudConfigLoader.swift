public import Foundation

/// Resolves a `CloudConfig` the way the `openstack` CLI does.
///
/// Files: `OS_CLIENT_CONFIG_FILE` first, then `clouds.yaml` (or `.yml`, `.json`) in the current
/// directory, `~/.config/openstack/` (`$XDG_CONFIG_HOME/openstack/` when set) and
/// `/etc/openstack/`; the first file found wins. `secure.yaml` (or `OS_CLIENT_SECURE_FILE`) from the
/// same places is deep-merged over it. The cloud is `--os-cloud`, else `OS_CLOUD`, else the
/// `envvars` cloud built from `OS_*` variables (renamed by `OS_CLOUD_NAME`).
///
/// Precedence, highest first: `overrides` (the CLI's `--os-*` options), `OS_*` variables, the
/// cloud's entry in the files. As in openstacksdk, `tenant_*` are aliases of `project_*`,
/// `domain_*` fill in `user_domain_*` and `project_domain_*`, `endpoint_type` means `interface`,
/// and auth keys may sit at the top level of a cloud (where they win) or under `auth:`.
///
/// Everything the loader reads from the outside (environment, home and working directory) is
/// injected, so tests are hermetic.
public struct CloudConfigLoader: Sendable {
  /// The process environment (only `OS_*` and `XDG_CONFIG_HOME` are read).
  public var environment: [String: String]
  /// The user's home directory.
  public var homeDirectory: String
  /// The working directory (searched first).
  public var currentDirectory: String
  /// The system directory (default `/etc/openstack`).
  public var systemDirectory: String

  /// Variables that select configuration but do not, alone, create the `envvars` cloud.
  static let selectorVariables: Set<String> = [
    "OS_CLOUD", "OS_REGION_NAME", "OS_CLIENT_CONFIG_FILE", "OS_CLIENT_SECURE_FILE", "OS_CLOUD_NAME",
  ]

  /// Keys that belong under `auth:`.
  static let authKeys: Set<String> = [
    "auth_url", "username", "user_id", "password", "project_name", "project_id", "user_domain_name",
    "user_domain_id", "project_domain_name", "project_domain_id", "domain_name", "domain_id",
    "application_credential_id", "application_credential_name", "application_credential_secret",
    "token",
    "tenant_name", "tenant_id", "system_scope",
  ]

  /// Creates a loader with explicit inputs.
  public init(
    environment: [String: String], homeDirectory: String, currentDirectory: String,
    systemDirectory: String = "/etc/openstack"
  ) {
    self.environment = environment
    self.homeDirectory = homeDirectory
    self.currentDirectory = currentDirectory
    self.systemDirectory = systemDirectory
  }

  /// A loader reading this process's environment, home and working directory.
  public static func live() -> CloudConfigLoader {
    CloudConfigLoader(
      environment: ProcessInfo.processInfo.environment,
      homeDirectory: FileManager.default.homeDirectoryForCurrentUser.path,
      currentDirectory: FileManager.default.currentDirectoryPath)
  }

  /// The directories searched for clouds.yaml and secure.yaml, in order.
  public var searchDirectories: [String] {
    let userDirectory: String
    if let xdg = environment["XDG_CONFIG_HOME"], !xdg.isEmpty {
      userDirectory = (xdg as NSString).appendingPathComponent("openstack")
    } else {
      userDirectory = (homeDirectory as NSString).appendingPathComponent(".config/openstack")
    }
    return [currentDirectory, userDirectory, systemDirectory]
  }

  /// The clouds.yaml candidates, in search order.
  public var cloudsFileCandidates: [String] {
    var paths: [String] = []
    if let explicit = environment["OS_CLIENT_CONFIG_FILE"], !explicit.isEmpty {
      paths.append(explicit)
    }
    for directory in searchDirectories {
      for name in ["clouds.yaml", "clouds.yml", "clouds.json"] {
        paths.append((directory as NSString).appendingPathComponent(name))
      }
    }
    return paths
  }

  /// The secure.yaml candidates, in search order.
  public var secureFileCandidates: [String] {
    var paths: [String] = []
    if let explicit = environment["OS_CLIENT_SECURE_FILE"], !explicit.isEmpty {
      paths.append(explicit)
    }
    for directory in searchDirectories {
      for name in ["secure.yaml", "secure.yml", "secure.json"] {
        paths.append((directory as NSString).appendingPathComponent(name))
      }
    }
    return paths
  }

  /// Resolves the configuration of one cloud.
  ///
  /// - Parameters:
  ///   - cloud: the `--os-cloud` value; `nil` falls back to `OS_CLOUD`, then to `OS_*` variables.
  ///   - overrides: `--os-*` options by clouds.yaml key (`"password"`, `"region_name"`,
  ///     `"compute_api_version"`, ...); they win over everything else.
  /// - Throws: `OpenStackError.configuration` naming the missing cloud or field, or
  ///   `.configurationFile` for an unreadable or invalid file.
  public func load(cloud: String? = nil, overrides: [String: String] = [:]) throws -> CloudConfig {
    let fileManager = FileManager.default
    if let explicit = environment["OS_CLIENT_CONFIG_FILE"], !explicit.isEmpty,
      !fileManager.fileExists(atPath: explicit)
    {
      throw OpenStackError.configurationFile(
        path: explicit, line: nil, column: nil,
        problem: "named by OS_CLIENT_CONFIG_FILE but does not exist")
    }
    if let explicit = environment["OS_CLIENT_SECURE_FILE"], !explicit.isEmpty,
      !fileManager.fileExists(atPath: explicit)
    {
      throw OpenStackError.configurationFile(
        path: explicit, line: nil, column: nil,
        problem: "named by OS_CLIENT_SECURE_FILE but does not exist")
    }
    let cloudsPath = cloudsFileCandidates.first { fileManager.fileExists(atPath: $0) }
    let securePath = secureFileCandidates.first { fileManager.fileExists(atPath: $0) }
    var document: YAMLValue = .mapping([:])
    var sources: [String] = []
    if let cloudsPath {
      document = try YAMLLoader.load(contentsOf: cloudsPath)
      sources.append(cloudsPath)
    }
    if let securePath {
      document = document.deepMerged(with: try YAMLLoader.load(contentsOf: securePath))
      sources.append(securePath)
    }
    let fileClouds: [String: YAMLValue]
    if let clouds = document.mapping?["clouds"] {
      guard let map = clouds.mapping else {
        throw OpenStackError.configurationFile(
          path: cloudsPath ?? "clouds.yaml", line: nil, column: nil,
          problem: "\"clouds\" is not a mapping")
      }
      fileClouds = map
    } else {
      fileClouds = [:]
    }

    // OS_* variables, as keys.
    var environmentValues: [String: String] = [:]
    var hasEnvironmentCloud = false
    for (name, value) in environment where name.hasPrefix("OS_") && !value.isEmpty {
      if !Self.selectorVariables.contains(name) { hasEnvironmentCloud = true }
      if ["OS_CLOUD", "OS_CLIENT_CONFIG_FILE", "OS_CLIENT_SECURE_FILE", "OS_CLOUD_NAME"].contains(
        name)
      {
        continue
      }
      environmentValues[String(name.dropFirst(3)).lowercased()] = value
    }
    let environmentCloudName =
      environment["OS_CLOUD_NAME"].flatMap { $0.isEmpty ? nil : $0 } ?? "envvars"

    let requested =
      overrides["cloud"] ?? cloud ?? environment["OS_CLOUD"].flatMap { $0.isEmpty ? nil : $0 }
    var values: [String: YAMLValue] = [:]
    let name: String
    if let requested {
      name = requested
      if let entry = fileClouds[requested] {
        guard let map = entry.mapping else {
          throw OpenStackError.configurationFile(
            path: cloudsPath ?? "clouds.yaml", line: nil, column: nil,
            problem: "cloud \"\(requested)\" is not a mapping")
        }
        values = map
      } else if requested == environmentCloudName && hasEnvironmentCloud {
        values = [:]
      } else if let cloudsPath {
        let available = fileClouds.keys.sorted().joined(separator: ", ")
        throw OpenStackError.configuration(
          "cloud \"\(requested)\" is not defined in \(cloudsPath)"
            + (available.isEmpty ? "" : " (defined clouds: \(available))"))
      } else {
        throw OpenStackError.configuration(
          "cloud \"\(requested)\" was requested but no clouds.yaml was found (searched "
            + cloudsFileCandidates.joined(separator: ", ") + ")")
      }
    } else if hasEnvironmentCloud {
      name = environmentCloudName
    } else {
      let available = fileClouds.keys.sorted()
      var message =
        "no cloud selected: pass --os-cloud or set OS_CLOUD, or set OS_AUTH_URL and credentials"
      if !available.isEmpty {
        message +=
          " (clouds in \(cloudsPath ?? "clouds.yaml"): \(available.joined(separator: ", ")))"
      }
      throw OpenStackError.configuration(message)
    }
    let origin =
      requested != nil && fileClouds[name] != nil ? " (from \(cloudsPath ?? "clouds.yaml"))" : ""
    var resolver = Resolver(cloudName: name, origin: origin, values: values)
    for (key, value) in environmentValues { resolver.setTopLevel(key, value) }
    for (key, value) in overrides where key != "cloud" { resolver.setTopLevel(key, value) }
    resolver.sources = sources
    return try resolver.resolve()
  }
}

/// Normalises one cloud's keys and builds the `CloudConfig`.
private struct Resolver {
  let cloudName: String
  let origin: String
  var top: [String: YAMLValue]
  var auth: [String: YAMLValue]
  var sources: [String] = []

  init(cloudName: String, origin: String, values: [String: YAMLValue]) {
    self.cloudName = cloudName
    self.origin = origin
    self.auth = values["auth"]?.mapping ?? [:]
    var top = values
    top["auth"] = nil
    self.top = top
  }

  mutating func setTopLevel(_ key: String, _ value: String) {
    top[key] = .scalar(value, isPlain: true)
  }

  func fail(_ message: String) -> OpenStackError {
    .configuration("cloud \"\(cloudName)\"\(origin): \(message)")
  }

  mutating func normalise() {
    // Aliases.
    for (old, new) in [("tenant_name", "project_name"), ("tenant_id", "project_id")] {
      if let value = top.removeValue(forKey: old), top[new] == nil { top[new] = value }
      if let value = auth.removeValue(forKey: old), auth[new] == nil { auth[new] = value }
    }
    for (key, value) in top where key.hasSuffix("endpoint_type") {
      let renamed = String(key.dropLast("endpoint_type".count)) + "interface"
      top[key] = nil
      if top[renamed] == nil { top[renamed] = value }
    }
    // Top-level auth keys win over auth: ones.
    for key in CloudConfigLoader.authKeys {
      if let value = top.removeValue(forKey: key), !value.isNull { auth[key] = value }
    }
    // domain_* given once fills user_domain_* and project_domain_*.
    for suffix in ["name", "id"] {
      if let domain = auth["domain_\(suffix)"], !domain.isNull {
        if auth["user_domain_\(suffix)"]?.string == nil { auth["user_domain_\(suffix)"] = domain }
        if auth["project_domain_\(suffix)"]?.string == nil {
          auth["project_domain_\(suffix)"] = domain
        }
      }
    }
  }

  func text(_ key: String, in map: [String: YAMLValue]) -> String? {
    guard let value = map[key]?.string, !value.isEmpty else { return nil }
    return value
  }

  func authText(_ key: String) -> String? { text(key, in: auth) }
  func topText(_ key: String) -> String? { text(key, in: top) }

  func flag(_ key: String) throws -> Bool? {
    guard let value = top[key], !value.isNull else { return nil }
    guard let flag = value.bool else {
      throw fail("\(key) must be true or false, not \"\(value.string ?? "a collection")\"")
    }
    return flag
  }

  func missing(_ key: String, environment: String) -> OpenStackError {
    fail("auth.\(key) is missing (set \(key) under auth: or \(environment))")
  }

  func domain(_ prefix: String) -> DomainReference {
    if let id = authText("\(prefix)_domain_id") { return .id(id) }
    if let name = authText("\(prefix)_domain_name") { return .name(name) }
    return .id("default")
  }

  func user() throws -> UserReference {
    if let id = authText("user_id") { return .id(id) }
    if let name = authText("username") { return .name(name, domain: domain("user")) }
    throw fail("auth.username (or auth.user_id) is missing (set it under auth: or OS_USERNAME)")
  }

  func project() -> ProjectScope? {
    if let id = authText("project_id") { return .id(id) }
    if let name = authText("project_name") { return .name(name, domain: domain("project")) }
    return nil
  }

  mutating func resolve() throws -> CloudConfig {
    normalise()
    guard let authURLText = authText("auth_url") else {
      throw missing("auth_url", environment: "OS_AUTH_URL")
    }
    let authURL = try identityURL(authURLText)
    if let version = topText("identity_api_version"), !["3", "3.0"].contains(version) {
      throw fail("identity_api_version \(version) is not supported (only Keystone v3)")
    }

    let authType = (topText("auth_type") ?? "password").lowercased()
    let method: AuthMethod
    switch authType {
    case "password", "v3password":
      guard let password = auth["password"]?.string else {
        throw missing("password", environment: "OS_PASSWORD")
      }
      guard let scope = project() else {
        throw fail(
          "auth.project_name or auth.project_id is missing (a project-scoped token is needed; set it"
            + " under auth: or OS_PROJECT_NAME / OS_PROJECT_ID)")
      }
      method = .password(user: try user(), password: Secret(password), scope: scope)
    case "v3applicationcredential", "applicationcredential", "application_credential":
      guard let secret = auth["application_credential_secret"]?.string else {
        throw missing(
          "application_credential_secret", environment: "OS_APPLICATION_CREDENTIAL_SECRET")
      }
      if let id = authText("application_credential_id") {
        method = .applicationCredential(id: id, secret: Secret(secret))
      } else if let name = authText("application_credential_name") {
        method = .namedApplicationCredential(name: name, user: try user(), secret: Secret(secret))
      } else {
        throw fail(
          "auth.application_credential_id (or application_credential_name with a user) is missing"
            + " (set it under auth: or OS_APPLICATION_CREDENTIAL_ID)")
      }
    case "token", "v3token":
      guard let token = auth["token"]?.string else {
        throw missing("token", environment: "OS_TOKEN")
      }
      method = .token(Secret(token), scope: project())
    default:
      throw fail(
        "auth_type \"\(authType)\" is not supported (use password, v3applicationcredential or v3token)"
      )
    }

    var region = topText("region_name")
    if region == nil, case .sequence(let regions) = top["regions"], let first = regions.first {
      region = first.string ?? first.mapping?["name"]?.string
    }
    let interface = (topText("interface") ?? "public").lowercased()
    guard ["public", "internal", "admin"].contains(interface) else {
      throw fail("interface \"\(interface)\" is not one of public, internal, admin")
    }

    let insecure = try flag("insecure") ?? false
    let verify = try flag("verify") ?? true
    let tls = TLSOptions(
      insecure: insecure || !verify,
      caCertificatePath: insecure || !verify ? nil : topText("cacert"))

    var timeout: TimeInterval = 60
    if let text = topText("api_timeout") {
      guard let value = Double(text), value > 0 else {
        throw fail("api_timeout \"\(text)\" is not a number")
      }
      timeout = value
    }
    return CloudConfig(
      cloudName: cloudName, authURL: authURL, auth: method, regionName: region,
      interface: interface,
      computeAPIVersion: topText("compute_api_version"),
      volumeAPIVersion: topText("volume_api_version").flatMap { $0.contains(".") ? $0 : nil },
      tls: tls, requestTimeout: timeout, sourceFiles: sources)
  }

  /// The Keystone v3 URL: `/v3` appended to an unversioned URL; v2.0 rejected.
  func identityURL(_ text: String) throws -> URL {
    var trimmed = text
    while trimmed.hasSuffix("/") { trimmed.removeLast() }
    guard let url = URL(string: trimmed), let scheme = url.scheme?.lowercased(),
      scheme == "http" || scheme == "https", url.host != nil
    else {
      throw fail("auth_url \"\(text)\" is not an http(s) URL")
    }
    if trimmed.hasSuffix("/v2.0") {
      throw fail("auth_url \(text) is Keystone v2.0; only v3 is supported")
    }
    if trimmed.hasSuffix("/v3") { return url }
    guard let versioned = URL(string: trimmed + "/v3") else {
      throw fail("auth_url \"\(text)\" is invalid")
    }
    return versioned
  }
}
