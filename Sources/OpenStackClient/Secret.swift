/// A password, application-credential secret or token that never prints its value.
///
/// `description`, `debugDescription`, string interpolation and `dump` all show `<redacted>`; read
/// the value only through `revealed` when building a request.
public struct Secret: Sendable, Equatable, Hashable, CustomStringConvertible,
  CustomDebugStringConvertible, CustomReflectable
{
  private let value: String

  /// Wraps a secret value.
  public init(_ value: String) {
    self.value = value
  }

  /// The secret text. Use only to put it on the wire.
  public var revealed: String { value }

  /// Whether the secret is the empty string.
  public var isEmpty: Bool { value.isEmpty }

  /// Always `<redacted>`.
  public var description: String { "<redacted>" }

  /// Always `<redacted>`.
  public var debugDescription: String { "<redacted>" }

  /// A mirror without children, so `dump` cannot reveal the value.
  public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
