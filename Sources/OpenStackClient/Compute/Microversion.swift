public import Foundation

/// An API microversion such as 2.47 or 3.60.
public struct Microversion: Sendable, Hashable, Comparable, CustomStringConvertible {
  /// The major version (2 for compute, 3 for block storage).
  public var major: Int
  /// The minor version.
  public var minor: Int

  /// Creates a version.
  public init(_ major: Int, _ minor: Int) {
    self.major = major
    self.minor = minor
  }

  /// Parses `"2.47"` (a leading `v` is allowed); `nil` for anything else.
  public init?(_ text: String) {
    var trimmed = text.trimmingCharacters(in: .whitespaces)
    if trimmed.hasPrefix("v") || trimmed.hasPrefix("V") { trimmed.removeFirst() }
    let parts = trimmed.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count == 2, let major = Int(parts[0]), let minor = Int(parts[1]), major >= 0,
      minor >= 0
    else { return nil }
    self.init(major, minor)
  }

  /// `"2.47"`.
  public var description: String { "\(major).\(minor)" }

  /// Orders by major, then minor.
  public static func < (lhs: Microversion, rhs: Microversion) -> Bool {
    (lhs.major, lhs.minor) < (rhs.major, rhs.minor)
  }

  /// The newest compute microversion this client decodes.
  public static let newestCompute = Microversion(2, 100)
  /// The newest block-storage microversion this client asks for.
  public static let newestVolume = Microversion(3, 70)
}

/// The version range a service advertises in its version document.
public struct VersionRange: Sendable, Equatable {
  /// `min_version`.
  public var minimum: Microversion
  /// `version` (the maximum).
  public var maximum: Microversion

  /// Creates a range.
  public init(minimum: Microversion, maximum: Microversion) {
    self.minimum = minimum
    self.maximum = maximum
  }

  /// Picks the version to request: the pin (checked against the range; `latest` means the
  /// maximum), else `min(maximum, newest)`.
  public func choose(pinned: String?, newest: Microversion, service: String) throws -> Microversion
  {
    if let pinned, pinned.lowercased() != "latest" {
      guard let version = Microversion(pinned) else {
        throw OpenStackError.microversion(
          "\(service) API version \"\(pinned)\" is not of the form X.Y")
      }
      guard version >= minimum, version <= maximum else {
        throw OpenStackError.microversion(
          "\(service) API version \(version) was requested, but the service supports \(minimum) to \(maximum)"
        )
      }
      return version
    }
    if pinned != nil { return maximum }
    return Swift.max(minimum, Swift.min(maximum, newest))
  }

  /// Parses a version document (`{"versions": [...]}` or `{"version": {...}}`), picking the entry
  /// whose id starts with `v<major>`; `version: ""` (no microversions) gives `<major>.0`/`.1`.
  static func parse(_ data: Data, major: Int, legacyMinimum: Microversion) throws -> VersionRange? {
    let json = try JSONValue.parse(data, resource: "version document")
    var entries: [JSONValue] = []
    if case .array(let items)? = json["versions"] {
      entries = items
    } else if case .object(let object)? = json["versions"],
      case .array(let items)? = object["values"]
    {
      entries = items
    } else if let single = json["version"] {
      entries = [single]
    }
    let prefix = "v\(major)"
    let candidates = entries.filter { ($0["id"]?.stringValue ?? "").hasPrefix(prefix) }
    let preferred =
      candidates.first { $0["status"]?.stringValue?.uppercased() == "CURRENT" }
      ?? candidates.max { ($0["id"]?.stringValue ?? "") < ($1["id"]?.stringValue ?? "") }
    guard let entry = preferred else { return nil }
    let maximumText = entry["version"]?.stringValue ?? entry["max_version"]?.stringValue ?? ""
    let minimumText = entry["min_version"]?.stringValue ?? ""
    guard let maximum = Microversion(maximumText) else {
      return VersionRange(minimum: legacyMinimum, maximum: legacyMinimum)
    }
    return VersionRange(minimum: Microversion(minimumText) ?? legacyMinimum, maximum: maximum)
  }

  /// The unversioned root of a versioned endpoint: strips `/v2.1`, `/v2.1/<project>`, `/v3/<project>`.
  static func rootURL(of endpoint: URL, major: Int) -> URL {
    guard var components = URLComponents(url: endpoint, resolvingAgainstBaseURL: false) else {
      return endpoint
    }
    var segments = components.percentEncodedPath.split(separator: "/").map(String.init)
    if let index = segments.lastIndex(where: { $0 == "v\(major)" || $0.hasPrefix("v\(major).") }) {
      segments = Array(segments[..<index])
    }
    components.percentEncodedPath =
      "/" + segments.joined(separator: "/") + (segments.isEmpty ? "" : "/")
    components.query = nil
    return components.url ?? endpoint
  }

  /// The versioned endpoint without a trailing project id (`.../v2.1/`).
  static func versionedURL(of endpoint: URL, major: Int) -> URL? {
    guard var components = URLComponents(url: endpoint, resolvingAgainstBaseURL: false) else {
      return nil
    }
    let segments = components.percentEncodedPath.split(separator: "/").map(String.init)
    guard let index = segments.lastIndex(where: { $0 == "v\(major)" || $0.hasPrefix("v\(major).") })
    else {
      return nil
    }
    components.percentEncodedPath = "/" + segments[...index].joined(separator: "/") + "/"
    components.query = nil
    return components.url
  }

  /// Discovers the range from the endpoint's root document, then from the versioned URL.
  /// Version documents need no token.
  static func discover(
    endpoint: URL, major: Int, legacyMinimum: Microversion, transport: any HTTPTransport,
    service: String,
    timeout: TimeInterval
  ) async throws -> VersionRange? {
    var urls = [rootURL(of: endpoint, major: major)]
    if let versioned = versionedURL(of: endpoint, major: major) { urls.append(versioned) }
    var lastError: (any Error)?
    for url in urls {
      let request = HTTPRequest(
        method: "GET", url: url, headers: ["Accept": "application/json"], timeout: timeout,
        service: service)
      do {
        let response = try await transport.send(request)
        guard response.isSuccess || response.status == 300 else {
          lastError = ServiceClient.failure(for: request, response: response)
          continue
        }
        if let range = try VersionRange.parse(
          response.body, major: major, legacyMinimum: legacyMinimum)
        {
          return range
        }
      } catch let error as OpenStackError {
        if case .connection = error { throw error }
        lastError = error
      }
    }
    if let lastError { throw lastError }
    return nil
  }
}
