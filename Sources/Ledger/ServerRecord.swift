public import Foundation
public import OpenStackClient

/// A server as the ledger stores it: Nova's fields in PostgreSQL text format, ready to COPY.
///
/// Built by the normalizer from an API record; `values` follows ``ServerColumns/nova``.
public struct ServerRecord: Sendable, Equatable {
  /// Nova server id (lower-case UUID text).
  public var id: String
  /// Nova status (`DELETED` and `SOFT_DELETED` mean Nova says the server is gone).
  public var status: String?
  /// Nova `updated`, the incremental watermark.
  public var updatedAt: Date?
  /// A partial record from an unreachable cell: counted, never applied.
  public var isPartial: Bool
  /// Column values in ``ServerColumns/nova`` order, text format, nil for NULL.
  public var values: [String?]
  /// The record as Nova sent it (without `links` and user data). The normalizer gives its
  /// canonical JSON text (sorted keys), written on the decoding task: holding parsed pages
  /// until they are staged cost more memory than the text.
  public var raw: Raw
  /// SHA-256 over `values` and the raw record's text: equal fingerprints mean Nova reported no
  /// change. (With a parsed `.value`, the text is in received order, so a changed key order
  /// alone makes a record look changed; the apply then finds no difference and writes nothing.)
  public var fingerprint: [UInt8]

  /// The raw record: canonical text already, or the parsed value.
  public enum Raw: Sendable, Equatable {
    case text(String)
    case value(JSONValue)
  }

  /// Canonical JSON of the raw record (sorted keys, no whitespace), for storage.
  public var rawJSON: String {
    switch raw {
    case .text(let text): return text
    case .value(let value): return value.canonicalJSONString()
    }
  }

  /// Why the record cannot be stored as sent, if it cannot (a NUL character: PostgreSQL text
  /// and jsonb cannot hold one). Such a record is counted and reported, never applied, so the
  /// server keeps its last good state and the rest of the run goes on.
  public var rejection: String?

  /// Whether the record is applied: neither a partial down-cell record nor rejected.
  public var isApplicable: Bool { !isPartial && rejection == nil }

  /// Whether Nova's record says the server was deleted (hard or soft).
  public var isDeletedRecord: Bool {
    status == "DELETED" || status == "SOFT_DELETED"
  }

  /// Creates a record from canonical raw JSON text and computes its fingerprint.
  public init(
    id: String, status: String?, updatedAt: Date?, isPartial: Bool, values: [String?],
    rawJSON: String
  ) {
    self.init(
      id: id, status: status, updatedAt: updatedAt, isPartial: isPartial, values: values,
      raw: .text(rawJSON))
  }

  /// Creates a record and computes its fingerprint.
  public init(
    id: String, status: String?, updatedAt: Date?, isPartial: Bool, values: [String?], raw: Raw
  ) {
    self.id = id
    self.status = status
    self.updatedAt = updatedAt
    self.isPartial = isPartial
    self.values = values
    self.raw = raw
    let received: String
    switch raw {
    case .text(let text): received = text
    case .value(let value): received = value.compactJSONString()
    }
    self.fingerprint = Fingerprint.sha256(fields: values + [received])
    if values.contains(where: { $0?.utf8.contains(0) ?? false })
      || ServerRecord.containsNUL(json: received)
    {
      rejection = "a field contains a NUL character, which PostgreSQL cannot store"
    }
  }

  /// Whether JSON text holds a NUL character, raw or escaped as `\u0000` (a byte scan:
  /// `String.contains` goes through Foundation's locale-aware search, which cost a fifth of a
  /// sync's CPU).
  static func containsNUL(json: String) -> Bool {
    var text = json
    text.makeContiguousUTF8()
    return text.utf8.withContiguousStorageIfAvailable(containsNUL(jsonBytes:)) ?? false
  }

  static func containsNUL(jsonBytes bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    var index = 0
    let count = bytes.count
    while index < count {
      let byte = bytes[index]
      if byte == 0 { return true }
      if byte == UInt8(ascii: "\\") {
        // An escape: `\u0000` is a NUL; any other escaped character is skipped whole, so an
        // escaped backslash followed by `u0000` is not mistaken for one.
        if index + 5 < count, bytes[index + 1] == UInt8(ascii: "u"),
          bytes[index + 2] == UInt8(ascii: "0"), bytes[index + 3] == UInt8(ascii: "0"),
          bytes[index + 4] == UInt8(ascii: "0"), bytes[index + 5] == UInt8(ascii: "0")
        {
          return true
        }
        index += 2
        continue
      }
      index += 1
    }
    return false
  }
}
